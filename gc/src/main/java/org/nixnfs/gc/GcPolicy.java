package org.nixnfs.gc;

import java.time.Duration;

/**
 * When a store path may go. A path is live if it was used within {@code keepUnused}, registered
 * within {@code grace}, pinned, open on an executor, rooted by a Nix GC root that is not a
 * rules_nixpkgs root, or referenced (transitively) by a live path. Everything else is dead.
 *
 * @param keepUnused           how long after its last use a path is kept
 * @param grace                how long after registration a never-used path is kept (a push in
 *                             progress, a build about to start)
 * @param lowWatermarkPercent  scheduled GC starts when free space falls below this share of the disk
 * @param highWatermarkPercent ... and stops once this much is free again
 * @param batchSize            paths per {@code nix-store --delete} call
 */
public record GcPolicy(Duration keepUnused, Duration grace, double lowWatermarkPercent, double highWatermarkPercent,
                       int batchSize) {
    public GcPolicy {
        if (keepUnused.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        if (lowWatermarkPercent < 0 || highWatermarkPercent > 100 || lowWatermarkPercent > highWatermarkPercent) {
            throw new IllegalArgumentException("watermarks must satisfy 0 <= low <= high <= 100");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive");
        }
    }

    public static GcPolicy defaults() {
        return new GcPolicy(Duration.ofDays(14), Duration.ofHours(1), 10, 20, 100);
    }

    public GcPolicy withKeepUnused(Duration d) {
        return new GcPolicy(d, grace, lowWatermarkPercent, highWatermarkPercent, batchSize);
    }

    public GcPolicy withGrace(Duration d) {
        return new GcPolicy(keepUnused, d, lowWatermarkPercent, highWatermarkPercent, batchSize);
    }

    public GcPolicy withWatermarks(double low, double high) {
        return new GcPolicy(keepUnused, grace, low, high, batchSize);
    }
}
