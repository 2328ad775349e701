package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.nixnfs.store.testing.NixDbWriter;

/**
 * A store path deleted and registered again may have other contents: what was looked up under
 * the old registration is neither served nor counted as cached (else the disk read that follows
 * would run on the event loop), also when both registrations fall in the same second.
 */
class StaleLookupCacheTest {
    private static final StorePath PATH = new StorePath("0123456789abcdfghijklmnpqrsvwxyz", "tool-1.0");

    @TempDir
    Path storeDir;
    StoreIndexHolder index;
    ExportFileSystem fs;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(storeDir.resolve(PATH.baseName()).resolve("bin"));
        Files.writeString(storeDir.resolve(PATH.baseName()).resolve("bin/tool"), "v1");
        index = new StoreIndexHolder(StoreIndex.of(List.of(new ValidPath(PATH, 1000, 0, List.of()))));
        fs = new ExportFileSystem(storeDir, "/nix/store", index, CacheSettings.defaults());
    }

    private Node bin() throws NfsException {
        Node exportRoot = fs.lookup(fs.lookup(fs.root(), "nix"), "store");
        return fs.lookup(fs.lookup(exportRoot, PATH.baseName()), "bin");
    }

    private void registerAgain() {
        index.replace(StoreIndex.of(List.of(new ValidPath(PATH, 2000, 0, List.of()))));
    }

    @Test
    void aLookupMadeUnderAnOlderRegistrationIsNotCached() throws Exception {
        Node bin = bin();
        Node tool = fs.lookup(bin, "tool");
        assertEquals(tool, fs.lookupInMemory(bin, "tool"));

        registerAgain();
        Node binAgain = fs.resolve(bin.handle());
        assertNull(fs.lookupInMemory(binAgain, "tool"), "a lookup from the old registration counts as cached");
        Node toolAgain = fs.lookup(binAgain, "tool");
        assertEquals(toolAgain, fs.lookupInMemory(binAgain, "tool"));
    }

    @Test
    void aMissingNameUnderAnOlderRegistrationIsLookedUpAgain() throws Exception {
        Node bin = bin();
        NfsException e = assertThrows(NfsException.class, () -> fs.lookup(bin, "new"));
        assertEquals(NfsStatus.NFS4ERR_NOENT, e.status());

        Files.writeString(storeDir.resolve(PATH.baseName()).resolve("bin/new"), "v2");
        registerAgain();
        Node binAgain = fs.resolve(bin.handle());
        assertNull(fs.lookupInMemory(binAgain, "new"));
        assertEquals(2, fs.attributes(fs.lookup(binAgain, "new")).size());
    }

    @Test
    void aPathRegisteredAgainWithinTheSameSecondIsReadAgain(@TempDir Path root) throws Exception {
        try (NixDbWriter w = NixDbWriter.create(root)) {
            Path store = root.resolve("nix/store");
            StorePath p = w.newStorePath("tool-1.0");
            Path dir = store.resolve(p.baseName());
            Files.createDirectories(dir.resolve("bin"));
            Files.writeString(dir.resolve("bin/tool"), "v1");
            w.register(new ValidPath(p, 1000, 0, List.of()));
            NixDatabase db = NixDatabase.open(root);
            StoreIndexHolder holder = new StoreIndexHolder(db.load());
            ExportFileSystem fresh = new ExportFileSystem(store, "/nix/store", holder, CacheSettings.defaults());
            Node exportRoot = fresh.lookup(fresh.lookup(fresh.root(), "nix"), "store");
            Node bin = fresh.lookup(fresh.lookup(exportRoot, p.baseName()), "bin");
            assertEquals(2, fresh.attributes(fresh.lookup(bin, "tool")).size());
            assertEquals(NfsStatus.NFS4ERR_NOENT, assertThrows(NfsException.class, () -> fresh.lookup(bin, "new")).status());

            // nix-store --delete, then the path comes back with other content, registered in the
            // same second: Nix records the same registrationTime, but a new row id
            w.delete(p);
            Files.delete(dir.resolve("bin/tool"));
            Files.writeString(dir.resolve("bin/tool"), "v2, longer");
            Files.writeString(dir.resolve("bin/new"), "new");
            w.register(new ValidPath(p, 1000, 0, List.of()));
            holder.replace(db.load());

            Node binAgain = fresh.resolve(bin.handle());
            assertNull(fresh.lookupInMemory(binAgain, "tool"), "read under the old registration");
            assertEquals(10, fresh.attributes(fresh.lookup(binAgain, "tool")).size());
            assertEquals(3, fresh.attributes(fresh.lookup(binAgain, "new")).size());
        }
    }
}
