package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.store.IndexWatcherTest.EVENT_TIMEOUT;
import static org.nixnfs.store.IndexWatcherTest.awaitTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.LogCapture;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.NixStoreFixture;

/** The index against stores built and changed by real Nix (Debian's nix-bin, 2.8). */
@Tag("slow")
class NixStoreIntegrationTest {
    /** a: a file; b: a directory with an executable and a reference to a. */
    private static final String A_AND_B = "let a = " + NixStoreFixture.derivation("a", "echo hi > $out") + ";\n"
            + "    b = " + NixStoreFixture.derivation("b",
                    "/bin/mkdir $out; echo ${a} > $out/ref; printf '#!/bin/sh\\necho hello\\n' > $out/run; /bin/chmod +x $out/run")
            + ";\nin [ a b ]";

    @TempDir
    Path tmp;
    private NixStoreFixture store;
    private StorePath a;
    private StorePath b;
    private IndexWatcher watcher;

    @BeforeAll
    static void nix() {
        NixStoreFixture.requireNix();
    }

    @BeforeEach
    void buildStore() throws Exception {
        store = NixStoreFixture.create(tmp);
        List<StorePath> out = store.build(A_AND_B);
        a = out.get(0);
        b = out.get(1);
    }

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void indexHoldsExactlyTheRegisteredPaths() throws Exception {
        StorePath stray = NixDbWriter.randomStorePath(new Random(5), "not-registered");
        store.createUnregistered(stray);
        assertFalse(store.isValid(stray));
        assertTrue(Files.isExecutable(store.realPath(b).resolve("run")));

        StoreIndex index = NixDatabase.open(store.storeRoot()).load();

        Set<String> onDisk;
        try (Stream<Path> entries = Files.list(store.storeDirectory())) {
            onDisk = entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).collect(Collectors.toSet());
        }
        Set<String> indexed = index.paths().stream().map(v -> v.path().baseName()).collect(Collectors.toSet());
        onDisk.remove(stray.baseName());
        assertEquals(onDisk, indexed, "everything Nix built (outputs and .drv files), nothing else");
        assertTrue(index.byBaseName(stray.baseName()).isEmpty(), "a directory on disk that is not registered is absent");
        assertEquals(4, index.size(), "a, b and their two .drv files");

        assertEquals(List.of(a), index.referencesOf(b));
        assertEquals(Set.of(a, b), index.closure(List.of(b)));
        assertEquals(Set.of(a, b), index.reverseClosure(List.of(a)));
        ValidPath vb = index.get(b).orElseThrow();
        assertTrue(vb.narSize() > 0);
        assertTrue(vb.registrationTime() > 1_600_000_000L);
        assertEquals(index.totalNarSize(), index.paths().stream().mapToLong(ValidPath::narSize).sum());
    }

    @Test
    void watcherFollowsRegistrationsAndDeletions() throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(store.storeRoot()), holder);
        watcher.start();
        ConcurrentMap<StorePath, Long> seenAt = new ConcurrentHashMap<>();
        holder.addListener(index -> {
            long now = System.nanoTime();
            index.paths().forEach(v -> seenAt.putIfAbsent(v.path(), now));
        });
        assertEquals(4, holder.current().size());

        // A build: the new output (referring to a) appears.
        List<Long> latenciesNanos = new ArrayList<>();
        List<Duration> lags = new ArrayList<>();
        StorePath c = null;
        for (int i = 0; i < 3; i++) {
            String expr = "let a = " + NixStoreFixture.derivation("a", "echo hi > $out") + ";\nin "
                    + NixStoreFixture.derivation("c" + i, "echo ${a} > $out");
            c = store.build(expr).get(0);
            long returned = System.nanoTime();
            StorePath built = c;
            // The holder swaps the index in before it tells listeners: wait for the listener's record.
            awaitTrue(() -> seenAt.containsKey(built), EVENT_TIMEOUT, "built path " + built + " visible");
            latenciesNanos.add(Math.max(0, seenAt.get(built) - returned));
            lags.add(watcher.status().lastVisibilityLag().orElseThrow());
            assertEquals(List.of(a), holder.current().referencesOf(c));
        }

        // nix-store --add.
        StorePath added = store.addText("note.txt", "hello\n");
        long returned = System.nanoTime();
        awaitTrue(() -> seenAt.containsKey(added), EVENT_TIMEOUT, "added path visible");
        latenciesNanos.add(Math.max(0, seenAt.get(added) - returned));
        lags.add(watcher.status().lastVisibilityLag().orElseThrow());

        // A directory put there by hand is invisible until registered.
        StorePath manual = NixDbWriter.randomStorePath(new Random(9), "manual");
        store.createUnregistered(manual);
        Thread.sleep(200);
        assertFalse(holder.current().contains(manual));
        store.registerValidity(manual, List.of(b));
        awaitTrue(() -> holder.current().contains(manual), EVENT_TIMEOUT, "registered path visible");
        assertEquals(Set.of(manual, b, a), holder.current().closure(List.of(manual)));

        System.out.printf("IndexWatcher (Nix 2.8): visible %s ms after the nix command returned (0 = before);"
                        + " commit-to-swap lag by file mtime: %s ms%n",
                latenciesNanos.stream().map(n -> String.format("%.1f", n / 1e6)).toList(),
                lags.stream().map(Duration::toMillis).toList());

        // Deletions.
        StorePath gone = c;
        store.delete(gone, manual);
        awaitTrue(() -> !holder.current().contains(gone) && !holder.current().contains(manual), EVENT_TIMEOUT,
                "deleted paths gone");
        assertTrue(holder.current().contains(a));
        assertTrue(watcher.status().healthy());
        assertEquals(1, watcher.status().fullReloads(), "only the initial load was full");
    }

    @Test
    void corruptDatabaseKeepsTheLastGoodIndex() throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(store.storeRoot()), holder);
        watcher.start();
        StoreIndex good = holder.current();
        Path db = store.databaseFile();
        Path backup = tmp.resolve("db-backup");
        Files.copy(db, backup);
        try (LogCapture log = new LogCapture()) {
            Files.write(db, new byte[8192]); // zeroes: not an SQLite file any more
            // Damage in place, not a commit: certain to be noticed by a read on a fresh connection.
            assertTrue(watcher.refreshNow().isPresent());
            assertFalse(watcher.status().healthy());
            assertSame(good, holder.current());
            assertTrue(log.text().contains("ERROR"), log.text());
            assertTrue(log.text().contains(db.toString()), log.text());
        }
        Files.copy(backup, db, StandardCopyOption.REPLACE_EXISTING);
        awaitTrue(() -> watcher.status().healthy(), EVENT_TIMEOUT, "recovered");
        assertEquals(good.fingerprint(), holder.current().fingerprint());
    }

    /**
     * Nix's database is in WAL mode, where a write transaction, even an exclusive one, does not
     * block readers: the index is read from the last commit meanwhile, and the change is seen
     * once committed. (A database locked against readers, as with Nix's {@code use-sqlite-wal =
     * false}, is logged and retried: {@code IndexWatcherTest.lockedDatabaseKeepsTheLastGoodIndexAndRecovers}.)
     */
    @Test
    void writeTransactionDoesNotBlockReadsAndIsSeenOnceCommitted() throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(store.storeRoot(), Duration.ofSeconds(1)), holder);
        watcher.start();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.databaseFile());
             Statement st = c.createStatement()) {
            st.execute("begin exclusive");
            deleteRow(st, b);
            assertTrue(watcher.refreshNow().isEmpty(), "WAL: readers are not blocked");
            assertTrue(holder.current().contains(b), "uncommitted deletion not seen");
            st.execute("commit");
        }
        awaitTrue(() -> !holder.current().contains(b), EVENT_TIMEOUT, "the committed deletion is seen");
        assertTrue(watcher.status().healthy());
    }

    private static void deleteRow(Statement st, StorePath p) throws SQLException {
        String path = NixDbWriter.absolute(p);
        st.execute("delete from Refs where referrer = (select id from ValidPaths where path = '" + path + "')");
        st.execute("delete from ValidPaths where path = '" + path + "'");
    }

    @Test
    void wrongStoreRootIsAClearError() {
        // A common mistake: giving the store directory instead of the store root.
        NixDatabaseNotFoundException e = assertThrows(NixDatabaseNotFoundException.class,
                () -> NixDatabase.open(store.storeDirectory()));
        assertTrue(e.getMessage().contains(store.storeDirectory().resolve("nix/var/nix/db/db.sqlite").toString()));
        assertTrue(e.getMessage().contains("root of a Nix store"));
    }

    @Test
    void readingLeavesNixAbleToWrite() throws Exception {
        StoreIndexHolder holder = new StoreIndexHolder(StoreIndex.empty());
        watcher = new IndexWatcher(NixDatabase.open(store.storeRoot()), holder,
                IndexWatcher.Options.defaults().withPollInterval(Duration.ofMillis(10)).withMinRefreshGap(Duration.ZERO));
        watcher.start();
        // Many reads while Nix registers and deletes: Nix must never fail on a lock we hold.
        Set<StorePath> built = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            built.add(store.addText("f" + i, "content " + i));
        }
        for (StorePath p : built) {
            store.delete(p);
        }
        awaitTrue(() -> built.stream().noneMatch(holder.current()::contains), EVENT_TIMEOUT, "all gone");
        assertEquals(4, holder.current().size());
    }
}
