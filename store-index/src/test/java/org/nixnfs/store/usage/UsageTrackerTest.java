package org.nixnfs.store.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageTrackerTest {
    private static final String A = "s515py2mag63jj01zcjbda233wyvx3r8";
    private static final String B = "fxrvinhn6yars2c42kx60lbc3q9ypq87";

    @Test
    void recordsLastAccessPerPathAndClientAndSurvivesReopening(@TempDir Path state) throws Exception {
        AtomicLong clock = new AtomicLong(1_000_000);
        try (UsageTracker t = new UsageTracker(UsageDatabase.open(state), clock::get, 60_000)) {
            t.record(A, "10.0.0.1");
            clock.addAndGet(500);
            t.record(A, "10.0.0.1"); // within a second: the same access
            clock.addAndGet(5_000);
            t.record(A, "10.0.0.2");
            t.record(B, "10.0.0.1");
            PathUsage a = t.usage(A).orElseThrow();
            assertEquals(1_005_500, a.lastAccessMillis());
            assertEquals(Map.of("10.0.0.1", 1_000_000L, "10.0.0.2", 1_005_500L), a.clients());
        } // close flushes
        try (UsageTracker t = new UsageTracker(UsageDatabase.open(state), () -> 0, 60_000)) {
            assertEquals(2, t.trackedPaths());
            assertEquals(1_005_500, t.usage(A).orElseThrow().lastAccessMillis());
            assertEquals(Map.of("10.0.0.1", 1_005_500L), t.usage(B).orElseThrow().clients());
            t.forget(List.of(B));
        }
        assertEquals(1, UsageDatabase.readIfExists(state).size(), "forgotten paths are gone from disk too");
    }

    @Test
    void usesMergedFromAReplicaKeepTheLaterTimeAndAreSaved(@TempDir Path state) throws Exception {
        try (UsageTracker t = new UsageTracker(UsageDatabase.open(state), () -> 50_000, 60_000)) {
            t.merge(A, "10.0.0.9 via r0:9100", 40_000);
            assertEquals(40_000, t.usage(A).orElseThrow().lastAccessMillis());
            t.record(A, "10.0.0.1"); // here, at 50 000
            t.merge(A, "10.0.0.9 via r0:9100", 30_000); // an older report changes nothing
            assertEquals(50_000, t.usage(A).orElseThrow().lastAccessMillis());
            assertEquals(40_000, t.usage(A).orElseThrow().clients().get("10.0.0.9 via r0:9100"));
            t.merge(A, "10.0.0.9 via r0:9100", 70_000); // a replica's clock may be ahead: the later one counts
            assertEquals(70_000, t.usage(A).orElseThrow().lastAccessMillis());
        }
        assertEquals(70_000, UsageDatabase.readIfExists(state).get(A).lastAccessMillis(), "saved on close");
    }

    @Test
    void flushesPeriodicallyWithoutClosing(@TempDir Path state) throws Exception {
        try (UsageTracker t = new UsageTracker(UsageDatabase.open(state), System::currentTimeMillis, 50)) {
            t.record(A, "10.0.0.1");
            long deadline = System.currentTimeMillis() + 5_000;
            while (UsageDatabase.readIfExists(state).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(UsageDatabase.readIfExists(state).containsKey(A), "readable by another connection while open");
        }
    }

    @Test
    void aCorruptFileIsSetAsideNotFatal(@TempDir Path state) throws Exception {
        Files.writeString(state.resolve(UsageDatabase.FILE_NAME), "this is not an SQLite database, it is garbage ".repeat(100));
        try (UsageTracker t = new UsageTracker(UsageDatabase.open(state), () -> 5_000, 60_000)) {
            assertEquals(0, t.trackedPaths());
            t.record(A, "c");
        }
        assertEquals(1, UsageDatabase.readIfExists(state).size());
        try (var files = Files.list(state)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("usage.sqlite.corrupt-")));
        }
    }
}
