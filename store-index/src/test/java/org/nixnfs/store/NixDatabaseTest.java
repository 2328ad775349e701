package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.store.testing.LogCapture;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.SyntheticStore;

class NixDatabaseTest {
    @TempDir
    Path root;

    @Test
    void loadsPathsMetadataAndReferences() throws Exception {
        StorePath a;
        StorePath b;
        try (NixDbWriter w = NixDbWriter.create(root)) {
            a = w.newStorePath("a");
            b = w.newStorePath("b");
            w.register(new ValidPath(a, 1111, 120, List.of(a)));
            w.register(new ValidPath(b, 2222, 340, List.of(a)));
        }
        StoreIndex index = NixDatabase.open(root).load();
        assertEquals(2, index.size());
        ValidPath vb = index.byBaseName(b.baseName()).orElseThrow();
        assertEquals(2222, vb.registrationTime());
        assertEquals(340, vb.narSize());
        assertEquals(List.of(a), vb.references());
        assertEquals(List.of(a), index.byHashPart(a.hashPart()).orElseThrow().references(), "self-reference kept");
        assertEquals(Set.of(a, b), Set.copyOf(index.referrersOf(a)));
        assertEquals(460, index.totalNarSize());
    }

    @Test
    void skipsRowsThatAreNotStorePathsWithALogLine() throws Exception {
        StorePath good;
        try (NixDbWriter w = NixDbWriter.create(root)) {
            good = w.register("good", 1);
            w.insertRawRow("/nix/store/not-a-hash-foo");
            w.insertRawRow("/other/store/" + w.newStorePath("elsewhere").baseName());
            w.insertRawRow("/nix/store/" + w.newStorePath("x").hashPart() + "-bad name");
        }
        StoreIndex index;
        try (LogCapture log = new LogCapture()) {
            index = NixDatabase.open(root).load();
            assertTrue(log.text().contains("/nix/store/not-a-hash-foo"), log.text());
            assertTrue(log.text().contains("bad name"), log.text());
        }
        assertEquals(1, index.size());
        assertTrue(index.contains(good));
    }

    @Test
    void missingDatabaseIsAClearErrorAndCreatesNothing() throws Exception {
        NixDatabaseNotFoundException e = assertThrows(NixDatabaseNotFoundException.class, () -> NixDatabase.open(root));
        Path expected = root.resolve("nix/var/nix/db/db.sqlite");
        assertTrue(e.getMessage().contains(expected.toString()), e.getMessage());
        assertEquals(expected, e.databaseFile());
        assertFalse(Files.exists(root.resolve("nix")), "nothing created");

        // Deleted after opening: the same error on load, still nothing created.
        NixDbWriter.create(root).close();
        NixDatabase db = NixDatabase.open(root);
        Files.delete(db.databaseFile());
        assertThrows(NixDatabaseNotFoundException.class, db::load);
        assertFalse(Files.exists(db.databaseFile()));
    }

    @Test
    void readsWithoutWritingTheDatabaseOrChangingItsJournalMode() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.register("a", 1);
        }
        NixDatabase db = NixDatabase.open(root);
        byte[] before = Files.readAllBytes(db.databaseFile());
        Files.setLastModifiedTime(db.databaseFile(), FileTime.fromMillis(1_000_000_000_000L));
        db.load();
        db.load();
        assertArrayEquals(before, Files.readAllBytes(db.databaseFile()));
        assertEquals(FileTime.fromMillis(1_000_000_000_000L), Files.getLastModifiedTime(db.databaseFile()));
        try (NixDbWriter w = NixDbWriter.open(root);
             Statement st = w.connection().createStatement();
             ResultSet rs = st.executeQuery("pragma journal_mode")) {
            rs.next();
            assertEquals("wal", rs.getString(1));
        }
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            assertThrows(Exception.class, () -> st.execute("create table x (y)"), "the connection is read-only");
        }
    }

    @Test
    void corruptDatabaseIsAnError() throws Exception {
        NixDbWriter.create(root).close();
        NixDatabase db = NixDatabase.open(root);
        Files.write(db.databaseFile(), "this is not a database".repeat(300).getBytes());
        NixDatabaseException e = assertThrows(NixDatabaseException.class, db::load);
        assertTrue(e.getMessage().contains(db.databaseFile().toString()), e.getMessage());
    }

    @Test
    void notANixDatabaseIsAnError() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root); Statement st = w.connection().createStatement()) {
            st.execute("drop table Refs");
        }
        NixDatabaseException e = assertThrows(NixDatabaseException.class, () -> NixDatabase.open(root).load());
        assertTrue(e.getMessage().contains("Refs"), e.getMessage());
    }

    @Test
    void aPathRegisteredAgainWithinOneSecondIsANewRegistration() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            StorePath p = w.newStorePath("again");
            w.register(new ValidPath(p, 1111, 1, List.of()));
            NixDatabase db = NixDatabase.open(root);
            DatabaseSnapshot before = db.read(null);
            ValidPath first = before.index().get(p).orElseThrow();

            w.delete(p);
            w.register(new ValidPath(p, 1111, 2, List.of())); // the same second, as Nix records it
            ValidPath again = db.read(before).index().get(p).orElseThrow();
            assertEquals(first.registrationTime(), again.registrationTime());
            assertNotEquals(first.registration(), again.registration(), "the row id tells them apart");
            assertEquals(again, db.load().get(p).orElseThrow(), "a full load reads the same");
        }
    }

    @Test
    void incrementalReadsMatchFullLoads() throws Exception {
        List<ValidPath> all = SyntheticStore.generate(600, 5, 3);
        try (NixDbWriter w = NixDbWriter.create(root)) {
            w.registerAll(all.subList(0, 400));
            NixDatabase db = NixDatabase.open(root, Duration.ofSeconds(5));
            DatabaseSnapshot s = db.read(null);
            assertEquals(400, s.index().size());
            assertSame(s, db.read(s), "unchanged database, same snapshot");

            // New registrations only.
            w.registerAll(all.subList(400, 450));
            s = checkedRead(db, s);
            assertEquals(450, s.index().size());

            // Deletions only: paths nothing else refers to, newest (highest id) among them.
            List<StorePath> deletable = unreferenced(s.index());
            w.delete(deletable.subList(0, 5).toArray(new StorePath[0]));
            s = checkedRead(db, s);
            assertEquals(445, s.index().size());
            for (StorePath p : deletable.subList(0, 5)) {
                assertFalse(s.index().contains(p));
            }

            // Both, and the re-registration of a deleted path (new id, same path).
            deletable = unreferenced(s.index());
            StorePath again = deletable.get(0);
            ValidPath againPath = s.index().get(again).orElseThrow();
            w.delete(deletable.subList(0, 3).toArray(new StorePath[0]));
            w.registerAll(withReferencesOnlyTo(s.index(), deletable.subList(0, 3), all.subList(450, 600)));
            w.register(againPath);
            s = checkedRead(db, s);
            assertEquals(445 - 3 + 150 + 1, s.index().size());
            assertTrue(s.index().contains(again));
            assertSame(s, db.read(s));
        }
    }

    @Test
    void skipsASecondPathWithTheSameHashPart() throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            StorePath a = w.register("a", 1);
            NixDatabase db = NixDatabase.open(root);
            DatabaseSnapshot s = db.read(null);
            w.register(new ValidPath(new StorePath(a.hashPart(), "twin"), 1, 1, List.of()));
            DatabaseSnapshot next;
            try (LogCapture log = new LogCapture()) {
                next = db.read(s);
                assertTrue(log.text().contains("twin"), log.text());
            }
            assertEquals(1, next.index().size());
            assertEquals(a, next.index().byHashPart(a.hashPart()).orElseThrow().path());
            assertEquals(1, db.load().size());
        }
    }

    /** Reads incrementally from {@code previous} and checks the result against a full load. */
    private static DatabaseSnapshot checkedRead(NixDatabase db, DatabaseSnapshot previous) throws Exception {
        DatabaseSnapshot s = db.read(previous);
        for (int i = 0; i < previous.size(); i++) {
            int now = s.positionOfRowId(previous.rowIdAt(i));
            if (now >= 0) {
                assertSame(previous.index().pathAt(i), s.index().pathAt(now), "read incrementally, not reloaded");
            }
        }
        StoreIndex full = db.load();
        assertEquals(full.fingerprint(), s.index().fingerprint());
        assertEquals(full.size(), s.index().size());
        assertEquals(full.referenceCount(), s.index().referenceCount());
        assertEquals(full.totalNarSize(), s.index().totalNarSize());
        assertTrue(full.sameContentAs(s.index()), "same paths in the same (row id) order");
        for (ValidPath p : full.paths()) {
            assertEquals(full.closure(List.of(p.path())), s.index().closure(List.of(p.path())));
        }
        return s;
    }

    /** {@code paths} without references to paths that are neither in {@code index} nor earlier in the list. */
    private static List<ValidPath> withReferencesOnlyTo(StoreIndex index, List<StorePath> deleted, List<ValidPath> paths) {
        Set<StorePath> ok = new HashSet<>();
        for (ValidPath p : index.paths()) {
            ok.add(p.path());
        }
        deleted.forEach(ok::remove);
        List<ValidPath> out = new ArrayList<>();
        for (ValidPath p : paths) {
            ok.add(p.path());
            out.add(new ValidPath(p.path(), p.registrationTime(), p.narSize(),
                    p.references().stream().filter(ok::contains).toList()));
        }
        return out;
    }

    /** Valid paths no other path refers to, newest first. */
    private static List<StorePath> unreferenced(StoreIndex index) {
        List<StorePath> out = new ArrayList<>();
        for (int i = index.size() - 1; i >= 0; i--) {
            StorePath p = index.pathAt(i).path();
            List<StorePath> referrers = new ArrayList<>(index.referrersOf(p));
            referrers.remove(p);
            if (referrers.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
