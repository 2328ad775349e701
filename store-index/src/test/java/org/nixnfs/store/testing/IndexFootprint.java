package org.nixnfs.store.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.NixDatabaseException;
import org.nixnfs.store.StoreIndex;

/**
 * Measures how long loading a Nix database into a {@link StoreIndex} takes and how much heap the
 * index retains (used heap after full GCs with the index alive, minus before it was loaded).
 */
public final class IndexFootprint {
    private IndexFootprint() {
    }

    /**
     * @param firstLoadMillis the first load in this JVM (cold: JIT not warmed up, as at server start)
     * @param loadMillis      all loads, first included, in order
     * @param retainedBytes   heap retained by one loaded index
     */
    public record Result(int paths, int references, double firstLoadMillis, List<Double> loadMillis, long retainedBytes) {
        public double bestLoadMillis() {
            return Collections.min(loadMillis);
        }

        public double medianLoadMillis() {
            List<Double> sorted = new ArrayList<>(loadMillis);
            Collections.sort(sorted);
            return sorted.get(sorted.size() / 2);
        }

        public double retainedMiB() {
            return retainedBytes / (1024.0 * 1024.0);
        }

        @Override
        public String toString() {
            return String.format("%d paths, %d references: first (cold) load %.0f ms, best %.0f ms, median %.0f ms"
                            + " over %d loads; retained heap %.1f MiB (%.0f bytes per path)",
                    paths, references, firstLoadMillis, bestLoadMillis(), medianLoadMillis(), loadMillis.size(),
                    retainedMiB(), (double) retainedBytes / Math.max(1, paths));
        }
    }

    public static Result measure(NixDatabase db, int loads) throws NixDatabaseException {
        List<Double> times = new ArrayList<>();
        StoreIndex index = null;
        for (int i = 0; i < loads; i++) {
            index = null;
            long t0 = System.nanoTime();
            index = db.load();
            times.add((System.nanoTime() - t0) / 1e6);
        }
        Reference.reachabilityFence(index);
        index = null;
        long before = usedAfterGc();
        StoreIndex kept = db.load();
        long after = usedAfterGc();
        Reference.reachabilityFence(kept);
        return new Result(kept.size(), kept.referenceCount(), times.get(0), times, after - before);
    }

    /** Used heap after full collections, repeated until it stops shrinking. */
    public static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = memory.getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }
}
