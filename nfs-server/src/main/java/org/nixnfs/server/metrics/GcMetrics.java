package org.nixnfs.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.gc.GcService;

/**
 * GC metrics, fed by {@link GcService}'s listener hook (the gc module knows nothing of
 * Micrometer): runs, failures, bytes freed, paths deleted, run duration, last success, and the
 * configured watermarks so that alerts can compare free space against them.
 */
public final class GcMetrics implements GcService.Listener {
    private final Counter runs;
    private final Counter runFailures;
    private final Counter bytesFreed;
    private final Counter pathsDeleted;
    private final Counter pathFailures;
    private final Counter rootsRemoved;
    private final Timer duration;
    private final AtomicLong lastSuccessMillis = new AtomicLong();
    private final AtomicInteger lastRunFailed = new AtomicInteger();

    public GcMetrics(MeterRegistry r, GcPolicy policy) {
        runs = Counter.builder("nixnfs.gc.runs").description("GC runs that completed (scheduled, API or CLI)")
                .register(r);
        runFailures = Counter.builder("nixnfs.gc.run.failures")
                .description("GC runs that failed as a whole (roots unreadable, nix-store missing, ...)").register(r);
        bytesFreed = Counter.builder("nixnfs.gc.freed").baseUnit("bytes")
                .description("NAR bytes of the store paths GC deleted").register(r);
        pathsDeleted = Counter.builder("nixnfs.gc.paths.deleted").description("Store paths GC deleted").register(r);
        pathFailures = Counter.builder("nixnfs.gc.path.failures")
                .description("Failures within runs (a batch nix-store refused, a root that could not be removed)")
                .register(r);
        rootsRemoved = Counter.builder("nixnfs.gc.roots.removed")
                .description("Dead rules_nixpkgs GC roots GC removed").register(r);
        duration = Timer.builder("nixnfs.gc.run.duration").description("How long completed GC runs took")
                .register(r);
        Gauge.builder("nixnfs.gc.last.success.timestamp", lastSuccessMillis, v -> v.get() / 1000.0)
                .baseUnit("seconds").description("When a GC run last completed (Unix time; 0: none since start)")
                .strongReference(true).register(r);
        Gauge.builder("nixnfs.gc.last.run.failed", lastRunFailed, AtomicInteger::get)
                .description("1 if the last GC run failed as a whole, else 0").strongReference(true).register(r);
        Gauge.builder("nixnfs.gc.low.watermark.ratio", policy, p -> p.lowWatermarkPercent() / 100)
                .description("Scheduled GC starts when available space falls below this share of the filesystem")
                .strongReference(true).register(r);
        Gauge.builder("nixnfs.gc.high.watermark.ratio", policy, p -> p.highWatermarkPercent() / 100)
                .description("... and frees until this share is available again").strongReference(true).register(r);
    }

    @Override
    public void runFinished(GcRunResult result) {
        runs.increment();
        bytesFreed.increment(result.bytesFreed());
        pathsDeleted.increment(result.deleted().size());
        pathFailures.increment(result.failures().size());
        rootsRemoved.increment(result.removedRoots().size());
        duration.record(result.duration());
        lastSuccessMillis.set(System.currentTimeMillis());
        lastRunFailed.set(0);
    }

    @Override
    public void runFailed(Exception failure) {
        runFailures.increment();
        lastRunFailed.set(1);
    }
}
