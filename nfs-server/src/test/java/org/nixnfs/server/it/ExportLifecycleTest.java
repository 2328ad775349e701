package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.testing.Nfs4TestClient.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.TestStore;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.nixnfs.store.testing.NixStoreFixture;

/** What clients see over time: restarts, new registrations, deletions. */
class ExportLifecycleTest {
    static final int NFS4ERR_NOENT = 2;
    static final int NFS4ERR_STALE = 70;

    @Test
    void handlesSurviveARestart() throws Exception {
        TestStore store = TestStore.get();
        byte[] deep;
        byte[] dir;
        Map<Integer, Object> before;
        try (NixnfsServer server = ServerHarness.start(store)) {
            try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
                deep = c.lookup(TestStore.exportPath(store.tool) + "/lib/libtool.so.1");
                dir = c.lookup(TestStore.exportPath(store.bigDir));
                before = c.getAttr(deep, FILEID, SIZE, CHANGE);
            }
        }
        // A new server instance knows nothing of these handles: it must find the files again.
        try (NixnfsServer server = ServerHarness.start(store)) {
            try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
                assertEquals(before, c.getAttr(deep, FILEID, SIZE, CHANGE));
                assertEquals("ELF-ish library", utf8(c.readAll(deep, 0, ANONYMOUS_STATEID, 4096)));
                assertEquals(1000, c.readDirNames(dir, 8192).size());
                assertArrayEquals(deep, c.lookup(TestStore.exportPath(store.tool) + "/lib/libtool.so.1"));
            }
        }
    }

    @Test
    void aPathAppearsWhenRegisteredAndGoesStaleWhenDeleted() throws Exception {
        TestStore store = TestStore.get();
        try (NixnfsServer server = ServerHarness.start(store);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 2)) {
            byte[] storeDir = c.lookup("/nix/store");
            long changeBefore = (long) c.getAttr(storeDir, CHANGE).get(CHANGE);
            List<StorePath> built = store.nix.build(NixStoreFixture.derivation("fresh-" + System.nanoTime(),
                    "/bin/mkdir -p $out/bin; printf hi > $out/bin/fresh"));
            StorePath fresh = built.get(0);
            long registered = System.nanoTime();
            byte[] fh = null;
            while (fh == null && System.nanoTime() - registered < 5_000_000_000L) {
                try {
                    fh = c.lookup(TestStore.exportPath(fresh) + "/bin/fresh");
                } catch (NfsError e) {
                    assertEquals(NFS4ERR_NOENT, e.status);
                    Thread.sleep(10);
                }
            }
            long visibleMs = (System.nanoTime() - registered) / 1_000_000;
            System.out.println("new store path visible over NFS " + visibleMs + " ms after nix-build returned");
            assertTrue(fh != null, "the new path became visible");
            assertNotEquals(changeBefore, c.getAttr(storeDir, CHANGE).get(CHANGE), "the store directory's change attribute moved");

            store.nix.delete(fresh);
            long deleted = System.nanoTime();
            int status = 0;
            while (System.nanoTime() - deleted < 5_000_000_000L) {
                CompoundReply r = c.compound(c.newCompound().putFh(fh).getAttr(TYPE));
                status = r.next(22);
                if (status != 0) {
                    break;
                }
                Thread.sleep(10);
            }
            assertEquals(NFS4ERR_STALE, status, "a handle into a deleted path is stale");
            System.out.println("deleted store path stale over NFS " + (System.nanoTime() - deleted) / 1_000_000
                    + " ms after nix-store --delete returned");
            CompoundReply r = c.compound(c.newCompound().putFh(storeDir).lookup(fresh.baseName()));
            r.ok(22);
            assertEquals(NFS4ERR_NOENT, r.next(15));
        }
    }

    /**
     * A store path deleted and registered again with other contents (a non-reproducible build
     * pushed anew): clients get the new files, sizes and listing, never nodes, listings, lookups
     * or open files cached from the old registration.
     */
    @Test
    void aPathRegisteredAgainServesItsNewContent(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath p = nix.build(NixStoreFixture.derivation("reborn",
                "/bin/mkdir -p $out/bin; printf old > $out/bin/tool; printf gone > $out/old-only")).get(0);
        String tool = TestStore.exportPath(p) + "/bin/tool";
        try (NixnfsServer server = ServerHarness.start(nix.storeRoot(), 90, 0);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 2)) {
            // Fill every cache with the old registration: lookups (a miss too), attributes, listing, an open file.
            byte[] oldFh = c.lookup(tool);
            assertEquals(3L, c.getAttr(oldFh, SIZE).get(SIZE));
            assertEquals(Set.of("bin", "old-only"), Set.copyOf(c.readDirNames(c.lookup(TestStore.exportPath(p)), 8192)));
            assertEquals(NFS4ERR_NOENT, lookupStatus(c, TestStore.exportPath(p) + "/new-only"));
            Opened o = c.open(c.lookup(TestStore.exportPath(p) + "/bin"), "tool");
            assertEquals("old", utf8(c.readAll(o.fh(), o.seqid(), o.other(), 4096)));
            c.close(o);
            ValidPath.Registration before = registration(server, p);

            nix.delete(p);
            awaitStatus(c, TestStore.exportPath(p), NFS4ERR_NOENT);
            // At once: most likely within the same second, which Nix's registration time cannot tell apart.
            Path real = nix.realPath(p);
            Files.createDirectories(real.resolve("bin"));
            Files.writeString(real.resolve("bin/tool"), "new, and longer");
            Files.writeString(real.resolve("new-only"), "new");
            nix.registerValidity(p, List.of());
            awaitStatus(c, TestStore.exportPath(p), 0);
            ValidPath.Registration after = registration(server, p);
            assertNotEquals(before, after);
            System.out.printf("registered again: registration time %d -> %d%n", before.time(), after.time());

            byte[] fh = c.lookup(tool);
            assertEquals(15L, c.getAttr(fh, SIZE).get(SIZE), "the new file's size");
            assertEquals("new, and longer", utf8(c.readAll(fh, 0, ANONYMOUS_STATEID, 4096)));
            o = c.open(c.lookup(TestStore.exportPath(p) + "/bin"), "tool");
            assertEquals("new, and longer", utf8(c.readAll(o.fh(), o.seqid(), o.other(), 4096)), "OPEN and READ");
            c.close(o);
            assertEquals(Set.of("bin", "new-only"), Set.copyOf(c.readDirNames(c.lookup(TestStore.exportPath(p)), 8192)));
            assertEquals(NFS4ERR_NOENT, lookupStatus(c, TestStore.exportPath(p) + "/old-only"));
            assertEquals("new", utf8(c.readAll(c.lookup(TestStore.exportPath(p) + "/new-only"), 0, ANONYMOUS_STATEID, 4096)));
            // A handle from before is the same file by name: it reads the new bytes, or is stale; never the old ones.
            try {
                assertEquals("new, and longer", utf8(c.readAll(oldFh, 0, ANONYMOUS_STATEID, 4096)));
            } catch (NfsError e) {
                assertEquals(NFS4ERR_STALE, e.status);
            }
        }
    }

    private static ValidPath.Registration registration(NixnfsServer server, StorePath p) {
        return server.index().current().get(p).orElseThrow().registration();
    }

    /** The status of a LOOKUP of this path (0: found). */
    private static int lookupStatus(Nfs4TestClient c, String path) throws Exception {
        try {
            c.lookup(path);
            return 0;
        } catch (NfsError e) {
            return e.status;
        }
    }

    /** Waits until a LOOKUP of this path answers {@code status} (the server has followed the Nix database). */
    private static void awaitStatus(Nfs4TestClient c, String path, int status) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        int last;
        while ((last = lookupStatus(c, path)) != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("LOOKUP " + path + " still answers " + last + ", waiting for " + status);
            }
            Thread.sleep(10);
        }
    }
}
