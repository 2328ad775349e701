package org.nixnfs.server.cli;

import java.time.Duration;
import org.nixnfs.gc.GcPolicy;
import picocli.CommandLine.Option;

/** The GC policy options, shared by {@code serve} (scheduled GC) and {@code gc --standalone}. */
final class GcOptions {
    @Option(names = "--keep-unused", paramLabel = "DURATION", defaultValue = "14d", converter = DurationConverter.class,
            description = "GC keeps a store path (and its closure) this long after its last use over NFS. Default: ${DEFAULT-VALUE}.")
    Duration keepUnused;

    @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "GC keeps a never-used path this long after it was registered. Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Option(names = "--low-watermark", paramLabel = "PERCENT", defaultValue = "10",
            description = "Scheduled GC starts when free space is below this share of the disk. Default: ${DEFAULT-VALUE}.")
    double lowWatermark;

    @Option(names = "--high-watermark", paramLabel = "PERCENT", defaultValue = "20",
            description = "... and stops once this much is free. Default: ${DEFAULT-VALUE}.")
    double highWatermark;

    @Option(names = "--nix-store", paramLabel = "PATH", defaultValue = "nix-store",
            description = "The nix-store executable GC asks for roots and deletes with. Default: ${DEFAULT-VALUE}.")
    String nixStore;

    GcPolicy policy() {
        return new GcPolicy(keepUnused, grace, lowWatermark, highWatermark, GcPolicy.defaults().batchSize());
    }
}
