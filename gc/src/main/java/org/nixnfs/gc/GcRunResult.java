package org.nixnfs.gc;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** What a GC run did. */
public record GcRunResult(Instant started, Duration duration, List<GcPlan.DeadPath> deleted, long bytesFreed,
                          List<Path> removedRoots, List<String> failures, boolean stoppedEarly) {

    public static String humanBytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String units = "KMGTPE";
        int u = (63 - Long.numberOfLeadingZeros(b)) / 10;
        return String.format("%.1f %siB", b / Math.pow(1024, u), units.charAt(u - 1));
    }
}
