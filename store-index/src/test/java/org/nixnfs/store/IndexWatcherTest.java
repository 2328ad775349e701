package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.LogCapture;
import org.nixnfs.store.testing.NixDbWriter;

class IndexWatcherTest {
    /**
     * How long a test waits for an event before it fails: a guard against hanging, not a timing
     * assertion (a loaded machine must not fail these tests). Speed is measured and printed; issue
     * 11's 1 s bound is checked as behaviour (each change found by the first check after its
     * commit) by {@link RegistrationStressTest}, which prints the times.
     */
    static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    private IndexWatcher watcher;

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private StoreIndexHolder startWatching(Duration busyTimeout, IndexWatcher.Options options) throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(root, busyTimeout), holder, options);
        watcher.start();
        return holder;
    }

    private StoreIndexHolder startWatching() throws Exception {
        return startWatching(Duration.ofSeconds(2), IndexWatcher.Options.defaults());
    }

    @Test
    void newRegistrationBecomesVisibleAndDeletionDisappears() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            StorePath first = w.register("first", 1);
            StoreIndexHolder holder = startWatching();
            assertTrue(holder.current().contains(first));
            AtomicInteger swaps = new AtomicInteger();
            holder.addListener(i -> swaps.incrementAndGet());

            long worst = 0;
            StorePath last = null;
            for (int i = 0; i < 5; i++) {
                StorePath p = w.newStorePath("new-" + i);
                last = p;
                Instant beforeCommit = Instant.now();
                w.register(new ValidPath(p, 1, 1, List.of(first)));
                long committed = System.nanoTime();
                awaitTrue(() -> holder.current().contains(p), EVENT_TIMEOUT, "registration of " + p + " visible");
                Instant seen = Instant.now();
                worst = Math.max(worst, System.nanoTime() - committed);
                assertEquals(List.of(first), holder.current().referencesOf(p));
                // The metric's lag (commit by file time -> swap) lies within what this test saw,
                // give or take a file-timestamp tick.
                Duration lag = watcher.status().lastVisibilityLag().orElseThrow();
                assertFalse(lag.isNegative());
                assertTrue(lag.compareTo(Duration.between(beforeCommit, seen).plusMillis(20)) <= 0,
                        "lag " + lag + " longer than from before the commit to seeing it");
            }
            System.out.printf("IndexWatcher (synthetic db): registration visible after at most %.1f ms%n", worst / 1e6);
            assertTrue(swaps.get() >= 5);

            StorePath gone = last;
            w.delete(gone);
            awaitTrue(() -> !holder.current().contains(gone), EVENT_TIMEOUT, "deleted path gone");
            assertEquals(5, holder.current().size());
            IndexWatcherStatus status = watcher.status();
            assertTrue(status.healthy());
            assertTrue(status.fileWatchActive(), "inotify in use");
            assertEquals(5, status.pathCount());
            assertTrue(status.lastVisibilityLag().isPresent());
        }
    }

    /**
     * Issue 11: a commit that lands while the watcher reads, and leaves the database files' size
     * and modification times as they were when the read began, is indexed all the same. That is
     * what a watcher that looks at the files sees when a writer's commit becomes visible (in the
     * WAL index in -shm) only after its WAL writes, or on a filesystem with coarse timestamps for a
     * commit inside a WAL already that long. Here the commit is made from the index listener, on
     * the watcher's thread just after its read, and the times are put back by hand: the rare
     * timing made certain. (The stat-based watcher never indexed it.)
     */
    @Test
    void aCommitDuringARead_ThatLeavesTheFilesLookingUnchanged_IsIndexed() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            for (int i = 0; i < 20; i++) {
                w.register("filler-" + i, 1); // a WAL of a few dozen frames
            }
            try (Statement st = w.connection().createStatement()) {
                st.execute("pragma wal_checkpoint(PASSIVE)"); // the next commits reuse the WAL from its start
            }
            // The gap lets the first commit finish before the watcher looks at the files.
            StoreIndexHolder holder = startWatching(Duration.ofSeconds(2),
                    IndexWatcher.Options.defaults().withMinRefreshGap(Duration.ofMillis(300)));
            Path wal = Path.of(w.databaseFile() + "-wal");
            long walSize = Files.size(wal);
            AtomicReference<StorePath> second = new AtomicReference<>();
            AtomicReference<FileTime[]> timesAfterFirst = new AtomicReference<>();
            AtomicReference<Exception> failure = new AtomicReference<>();
            StorePath first = w.newStorePath("first");
            holder.addListener(index -> {
                if (index.contains(first) && second.get() == null) {
                    try {
                        second.set(w.register("second", 1));
                        FileTime[] t = timesAfterFirst.get();
                        Files.setLastModifiedTime(wal, t[0]);
                        Files.setLastModifiedTime(w.databaseFile(), t[1]);
                    } catch (Exception e) {
                        failure.set(e);
                    }
                }
            });
            w.register(new ValidPath(first, 1, 1, List.of()));
            timesAfterFirst.set(new FileTime[] {Files.getLastModifiedTime(wal), Files.getLastModifiedTime(w.databaseFile())});

            awaitTrue(() -> second.get() != null || failure.get() != null, EVENT_TIMEOUT, "the first commit indexed");
            assertNull(failure.get());
            assertEquals(walSize, Files.size(wal), "both commits wrote inside the existing WAL");
            awaitTrue(() -> holder.current().contains(second.get()), EVENT_TIMEOUT, "the second commit indexed");
        }
    }

    /**
     * Our own checks must not wake us: SQLite, run as root as here, re-owns {@code -wal} whenever
     * a connection opens it, and inotify reports that as a modification. The long-lived connection
     * opens nothing per check, so an idle watcher checks at its polls only (with a self-wake loop
     * it was about 50 a second).
     */
    @Test
    void anIdleWatcherDoesNotWakeItself() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
            startWatching(Duration.ofSeconds(2), IndexWatcher.Options.defaults().withPollInterval(Duration.ofMillis(500)));
            Thread.sleep(500); // the start's own notifications settle
            long before = watcher.status().refreshes();
            Thread.sleep(2000);
            long checks = watcher.status().refreshes() - before;
            System.out.println("IndexWatcher: " + checks + " checks in 2 s idle");
            assertTrue(checks <= 10, checks + " checks in 2 s: the watcher wakes itself");
        }
    }

    @Test
    void pollingAloneNoticesChanges() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("first", 1);
            // Without notifications: what platforms without inotify get.
            StoreIndexHolder holder = startWatching(Duration.ofSeconds(2), IndexWatcher.Options.defaults()
                    .withPollInterval(Duration.ofMillis(100)).withFileNotifications(false));
            assertFalse(watcher.status().fileWatchActive());
            StorePath p = w.register("polled", 1);
            awaitTrue(() -> holder.current().contains(p), EVENT_TIMEOUT, "seen by polling");
        }
    }

    @Test
    void corruptDatabaseKeepsTheLastGoodIndexAndRecovers() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
            w.register("b", 1);
        }
        StoreIndexHolder holder = startWatching();
        StoreIndex good = holder.current();
        Path db = NixDatabase.databaseFileOf(root);
        Path backup = root.resolve("backup.sqlite");
        Files.copy(db, backup);
        try (LogCapture log = new LogCapture()) {
            Files.write(db, "garbage, not SQLite".repeat(500).getBytes());
            // Damage in place, not a commit: certain to be noticed by a read on a fresh connection
            // (refreshNow, or the periodic full reload).
            assertTrue(watcher.refreshNow().isPresent());
            assertSame(good, holder.current(), "last good index still served");
            assertSame(good, holder.current());
            IndexWatcherStatus status = watcher.status();
            assertFalse(status.healthy());
            assertTrue(status.lastError().orElseThrow().contains(db.toString()), status.lastError().orElseThrow());
            assertTrue(status.failingSince().isPresent());
            assertTrue(status.staleness(Instant.now()).compareTo(Duration.ZERO) > 0);
            assertTrue(log.text().contains("serving the last good one (2 paths)"), log.text());
        }
        Files.copy(backup, db, StandardCopyOption.REPLACE_EXISTING);
        awaitTrue(() -> watcher.status().healthy(), EVENT_TIMEOUT, "recovered");
        assertEquals(good.fingerprint(), holder.current().fingerprint());
    }

    @Test
    void deletedDatabaseKeepsTheLastGoodIndex() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
        }
        StoreIndexHolder holder = startWatching();
        StoreIndex good = holder.current();
        Files.delete(NixDatabase.databaseFileOf(root));
        awaitTrue(() -> watcher.status().consecutiveFailures() > 0, EVENT_TIMEOUT, "failure noticed");
        assertSame(good, holder.current());
        assertTrue(watcher.status().lastError().orElseThrow().contains("not found"));
    }

    /**
     * Nix's database is in WAL mode: a writer holding an exclusive transaction does not block
     * readers, so the index keeps being refreshed from the last commit and the uncommitted row is
     * invisible until the commit.
     */
    @Test
    void exclusiveWriteTransactionInWalModeDoesNotBlockRefreshes() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
            StoreIndexHolder holder = startWatching(Duration.ofMillis(200), IndexWatcher.Options.defaults());
            StorePath committed = w.register("committed", 1);
            awaitTrue(() -> holder.current().contains(committed), EVENT_TIMEOUT, "committed row visible");

            StorePath pending = w.newStorePath("pending");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + w.databaseFile());
                 Statement st = c.createStatement()) {
                st.execute("begin exclusive");
                st.execute("insert into ValidPaths (path, hash, registrationTime, narSize) values ('"
                        + NixDbWriter.absolute(pending) + "', 'sha256:00', 1, 1)");
                assertTrue(watcher.refreshNow().isEmpty(), "reads go on during the write transaction");
                assertFalse(holder.current().contains(pending));
                st.execute("commit");
            }
            awaitTrue(() -> holder.current().contains(pending), EVENT_TIMEOUT, "visible after commit");
        }
    }

    /**
     * With a rollback journal (Nix's {@code use-sqlite-wal = false}), an exclusive write transaction
     * blocks readers: after the busy timeout the refresh fails, the error is logged, the last good
     * index stays, and the next attempt after the commit succeeds.
     */
    @Test
    void lockedDatabaseKeepsTheLastGoodIndexAndRecovers() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root, false)) {
            w.register("a", 1);
            StoreIndexHolder holder = startWatching(Duration.ofMillis(200),
                    IndexWatcher.Options.defaults().withPollInterval(Duration.ofMillis(100)));
            StoreIndex good = holder.current();
            StorePath pending = w.newStorePath("pending");
            try (LogCapture log = new LogCapture();
                 Connection c = DriverManager.getConnection("jdbc:sqlite:" + w.databaseFile());
                 Statement st = c.createStatement()) {
                st.execute("begin exclusive");
                st.execute("insert into ValidPaths (path, hash, registrationTime, narSize) values ('"
                        + NixDbWriter.absolute(pending) + "', 'sha256:00', 1, 1)");
                NixDatabaseException e = watcher.refreshNow().orElseThrow(() -> new AssertionError("should fail"));
                assertTrue(e.getMessage().contains("lock") || e.getMessage().contains("BUSY"), e.getMessage());
                assertSame(good, holder.current());
                assertFalse(watcher.status().healthy());
                awaitTrue(() -> log.text().contains("ERROR"), EVENT_TIMEOUT, "error logged");
                st.execute("commit");
            }
            awaitTrue(() -> holder.current().contains(pending), EVENT_TIMEOUT, "visible after the lock is gone");
            assertTrue(watcher.status().healthy());
            assertTrue(watcher.status().failures() >= 1);
        }
    }

    @Test
    void startFailsClearlyWhenTheDatabaseIsUnreadable() throws Exception {
        NixDbWriter.create(root).close();
        NixDatabase db = NixDatabase.open(root);
        Files.write(db.databaseFile(), "garbage".repeat(1000).getBytes());
        IndexWatcher w = new IndexWatcher(db, new StoreIndexHolder(StoreIndex.empty()));
        NixDatabaseException e = assertThrows(NixDatabaseException.class, w::start);
        assertTrue(e.getMessage().contains(db.databaseFile().toString()));
        w.close();
    }

    @Test
    void closeStopsFollowing() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
            StoreIndexHolder holder = startWatching();
            watcher.close();
            StorePath late = w.register("late", 1);
            Thread.sleep(300);
            assertFalse(holder.current().contains(late));
            assertEquals(1, holder.current().size());
        }
    }

    @Test
    void periodicFullReloadKeepsTheSameIndexWhenNothingChanged() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
            StoreIndexHolder holder = startWatching(Duration.ofSeconds(2), IndexWatcher.Options.defaults()
                    .withPollInterval(Duration.ofMillis(50)).withFullReloadInterval(Duration.ofMillis(100)));
            StoreIndex first = holder.current();
            awaitTrue(() -> watcher.status().fullReloads() >= 3, EVENT_TIMEOUT, "full reloads happen");
            assertSame(first, holder.current());
        }
    }

    static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            Thread.sleep(1);
        }
    }
}
