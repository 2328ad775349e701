package org.nixnfs.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nixnfs.server.metrics.ScrapeFixture.value;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcPolicy;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/** GC metrics from the listener's events, as Prometheus sees them. */
class GcMetricsTest {
    @Test
    void runsFailuresAndTotalsAccumulate() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        GcMetrics gc = new GcMetrics(r, GcPolicy.defaults());
        StorePath p = StorePath.parseBaseName("0123456789abcdfghijklmnpqrsvwxyz-x").orElseThrow();
        GcPlan.DeadPath dead = new GcPlan.DeadPath(p, 1000, new ValidPath.Registration(0, 0), 0, "unused");
        gc.runFinished(new GcRunResult(Instant.now(), Duration.ofSeconds(3), List.of(dead, dead), 2000,
                List.of(Path.of("/home/nix/rules_nixpkgs_gcroots/cc")), List.of("batch refused"), false));
        gc.runFailed(new IOException("nix-store: not found"));

        Map<String, Double> m = ScrapeFixture.parse(r.scrape());
        assertEquals(1, value(m, "nixnfs_gc_runs_total"));
        assertEquals(1, value(m, "nixnfs_gc_run_failures_total"));
        assertEquals(2000, value(m, "nixnfs_gc_freed_bytes_total"));
        assertEquals(2, value(m, "nixnfs_gc_paths_deleted_total"));
        assertEquals(1, value(m, "nixnfs_gc_path_failures_total"));
        assertEquals(1, value(m, "nixnfs_gc_roots_removed_total"));
        assertEquals(3, value(m, "nixnfs_gc_run_duration_seconds_sum"), 1e-9);
        assertEquals(1, value(m, "nixnfs_gc_last_run_failed"), "the last run failed");

        gc.runFinished(new GcRunResult(Instant.now(), Duration.ZERO, List.of(), 0, List.of(), List.of(), false));
        m = ScrapeFixture.parse(r.scrape());
        assertEquals(0, value(m, "nixnfs_gc_last_run_failed"));
        assertEquals(2, value(m, "nixnfs_gc_runs_total"));
    }
}
