package org.nixnfs.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.metrics.ScrapeFixture.value;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;

/** The metrics of a running server, scraped over HTTP after real NFS traffic, with their values. */
class ServerMetricsTest {
    static ScrapeFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = ScrapeFixture.start();
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void nfsOperationsBytesAndErrorsAreCounted() throws Exception {
        Map<String, Double> before = f.scrape();
        double readBefore = before.getOrDefault("nixnfs_nfs_read_bytes_total", 0.0);
        long read = f.traffic();
        assertEquals(4 * f.dataSize(), read);
        Map<String, Double> m = f.scrape();
        assertEquals(readBefore + read, value(m, "nixnfs_nfs_read_bytes_total"), 0.5,
                "every file byte READ returned, spliced or copied");
        assertTrue(value(m, "nixnfs_nfs_operations_seconds_count", "op=\"READ\"") >= 2 + 2 * (f.dataSize() / 4096));
        assertTrue(value(m, "nixnfs_nfs_operations_seconds_bucket", "op=\"READ\"", "le=\"+Inf\"") > 0);
        assertTrue(value(m, "nixnfs_nfs_operations_seconds_count", "op=\"LOOKUP\"") > 0);
        assertTrue(value(m, "nixnfs_nfs_operation_errors_total", "op=\"LOOKUP\"", "status=\"NFS4ERR_NOENT\"") >= 2);
    }

    @Test
    void clientsSessionsAndConnectionsAreGauged() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(f.server.address(), 1)) {
            c.lookup("/nix/store");
            Map<String, Double> m = f.scrape();
            assertTrue(value(m, "nixnfs_nfs_clients") >= 1);
            assertTrue(value(m, "nixnfs_nfs_sessions") >= 1);
            assertTrue(value(m, "nixnfs_nfs_connections") >= 1);
            assertEquals(f.server.state().openCount(), value(m, "nixnfs_nfs_open_files"));
        }
    }

    @Test
    void cachesReportHitsMissesEvictionsAndSize() throws Exception {
        f.traffic();
        Map<String, Double> m = f.scrape();
        for (String cache : new String[] {"nodes", "lookups", "listings", "link_targets", "open_files"}) {
            String tag = "cache=\"" + cache + "\"";
            value(m, "cache_gets_total", tag, "result=\"hit\"");
            value(m, "cache_gets_total", tag, "result=\"miss\"");
            value(m, "cache_evictions_total", tag);
            value(m, "cache_size", tag);
        }
        assertTrue(value(m, "cache_gets_total", "cache=\"open_files\"", "result=\"hit\"") > 0,
                "repeated READs of one file share its open channel");
        assertTrue(value(m, "cache_size", "cache=\"open_files\"") >= 1);
    }

    @Test
    void storeIndexAndFilesystemAreGauged() throws Exception {
        Map<String, Double> m = f.scrape();
        assertEquals(f.server.index().current().size(), value(m, "nixnfs_index_paths"));
        assertEquals((double) f.server.index().current().totalNarSize(), value(m, "nixnfs_index_nar_size_bytes"));
        assertTrue(value(m, "nixnfs_store_filesystem_size_bytes") > 0);
        assertTrue(value(m, "nixnfs_store_filesystem_available_bytes") > 0);
        assertTrue(value(m, "nixnfs_store_filesystem_available_bytes") <= value(m, "nixnfs_store_filesystem_size_bytes"));
        assertEquals(0, value(m, "nixnfs_index_staleness_seconds"));
        assertEquals(0, value(m, "nixnfs_index_consecutive_failures"));
        assertTrue(value(m, "nixnfs_index_refreshes_total") >= 1);
        value(m, "nixnfs_index_refresh_failures_total");
        assertTrue(value(m, "nixnfs_index_last_success_timestamp_seconds") > 1.6e9);
        value(m, "nixnfs_usage_flush_failing");
    }

    @Test
    void registeringAPathRecordsItsVisibilityLag() throws Exception {
        double before = f.scrape().getOrDefault("nixnfs_index_visibility_lag_seconds_count", 0.0);
        StorePath added = f.nix.addText("pushed-later.txt", "pushed while serving\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!f.server.index().current().contains(added)) {
            assertTrue(System.nanoTime() < deadline, "the new path was not exported within 20 s");
            Thread.sleep(20);
        }
        Map<String, Double> m = f.scrape();
        assertTrue(value(m, "nixnfs_index_visibility_lag_seconds_count") >= before + 1);
        assertTrue(value(m, "nixnfs_index_visibility_lag_seconds_bucket", "le=\"+Inf\"") >= before + 1);
        double lag = value(m, "nixnfs_index_last_visibility_lag_seconds");
        assertTrue(lag >= 0 && lag < 20, "last visibility lag " + lag);
    }

    @Test
    void gcRunsAreCounted() throws Exception {
        GcRunResult r = f.server.gc().collect(); // default policy: everything was registered within the grace period
        assertEquals(0, r.deleted().size());
        Map<String, Double> m = f.scrape();
        assertTrue(value(m, "nixnfs_gc_runs_total") >= 1);
        assertEquals(0, value(m, "nixnfs_gc_run_failures_total"));
        assertEquals(0, value(m, "nixnfs_gc_freed_bytes_total"));
        assertEquals(0, value(m, "nixnfs_gc_last_run_failed"));
        assertTrue(value(m, "nixnfs_gc_run_duration_seconds_count") >= 1);
        assertTrue(value(m, "nixnfs_gc_last_success_timestamp_seconds") > 1.6e9);
        assertEquals(f.server.gc().policy().lowWatermarkPercent() / 100, value(m, "nixnfs_gc_low_watermark_ratio"), 1e-9);
    }

    @Test
    void jvmAndProcessMetricsAreThere() throws Exception {
        Map<String, Double> m = f.scrape();
        for (String n : new String[] {"jvm_memory_used_bytes", "jvm_threads_live_threads", "process_cpu_usage",
                "process_files_open_files", "process_uptime_seconds", "jvm_classes_loaded_classes"}) {
            assertTrue(ScrapeFixture.names(m).contains(n), n);
        }
    }
}
