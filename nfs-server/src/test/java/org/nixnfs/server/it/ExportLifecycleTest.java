package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.testing.Nfs4TestClient.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.TestStore;
import org.nixnfs.store.StorePath;
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
            CompoundReply r = c.compound(c.newCompound().putFh(storeDir).lookup(fresh.baseName()));
            r.ok(22);
            assertEquals(NFS4ERR_NOENT, r.next(15));
        }
    }
}
