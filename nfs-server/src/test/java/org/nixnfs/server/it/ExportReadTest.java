package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.testing.Nfs4TestClient.*;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.TestStore;

/** Reading the export over a real socket, with each minor version: the path a client takes. */
class ExportReadTest extends SharedServerTest {
    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void storeDirectoryListsExactlyTheValidPaths(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] storeFh = c.lookup("/nix/store");
            Set<String> names = new HashSet<>(c.readDirNames(storeFh, 32 * 1024));
            assertEquals(validPathsByNix(), names);
            assertTrue(names.contains(store.tool.baseName()));
            assertFalse(names.contains(store.unregistered.baseName()), "an unregistered directory must be invisible");
            assertFalse(names.contains(".links"));
        }
    }

    /** The valid paths as Nix itself lists them ({@code nix path-info --all}), independent of the server's index. */
    private static Set<String> validPathsByNix() throws Exception {
        Set<String> names = new HashSet<>();
        for (String line : store.nix.nix(null, "nix", "--extra-experimental-features", "nix-command", "path-info", "--all")
                .split("\n")) {
            if (!line.isBlank()) {
                assertTrue(line.startsWith("/nix/store/"), line);
                names.add(line.substring("/nix/store/".length()));
            }
        }
        assertTrue(names.size() >= 4, "Nix lists the test store's paths: " + names);
        return names;
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void openReadCloseReturnsTheBytesOnDisk(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.blob));
            Opened o = c.open(dir, "blob.bin");
            byte[] expected = Files.readAllBytes(store.onDisk(store.blob).resolve("blob.bin"));
            assertArrayEquals(expected, c.readAll(o.fh(), o.seqid(), o.other(), 1 << 20), "1 MiB reads (sendfile)");
            assertArrayEquals(expected, c.readAll(o.fh(), o.seqid(), o.other(), 4096), "4 KiB reads (copied)");
            c.close(o);
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void anonymousStateIdReadsWithoutOpen(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] fh = c.lookup(TestStore.exportPath(store.single));
            assertEquals("just one file\n", utf8(c.readAll(fh, 0, ANONYMOUS_STATEID, 1024)));
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void attributesMatchTheFiles(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] exe = c.lookup(TestStore.exportPath(store.tool) + "/bin/tool");
            Map<Integer, Object> a = c.getAttr(exe, TYPE, SIZE, FSID, FILEID, MODE, NUMLINKS, OWNER, OWNER_GROUP,
                    MOUNTED_ON_FILEID, CHANGE, FILEHANDLE);
            var disk = store.onDisk(store.tool).resolve("bin/tool");
            assertEquals(1, a.get(TYPE));
            assertEquals(Files.size(disk), a.get(SIZE));
            assertEquals(0555, a.get(MODE));
            assertEquals("0", a.get(OWNER));
            assertEquals(a.get(FILEID), a.get(MOUNTED_ON_FILEID));
            assertArrayEquals(exe, (byte[]) a.get(FILEHANDLE));
            Map<Integer, Object> again = c.getAttr(exe, CHANGE, FILEID);
            assertEquals(a.get(CHANGE), again.get(CHANGE), "store content has a stable change attribute");

            byte[] dir = c.lookup(TestStore.exportPath(store.tool) + "/lib");
            assertEquals(2, c.getAttr(dir, TYPE).get(TYPE));
            byte[] link = c.lookup(TestStore.exportPath(store.tool) + "/lib/libtool.so");
            assertEquals(5, c.getAttr(link, TYPE).get(TYPE));
            assertNotEquals(c.getAttr(dir, FILEID).get(FILEID), c.getAttr(link, FILEID).get(FILEID));
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void symlinksAreReturnedNeverFollowed(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            String tool = TestStore.exportPath(store.tool);
            assertEquals("/etc/passwd", readLink(c, c.lookup(tool + "/escape")));
            assertEquals("../../../../etc/passwd", readLink(c, c.lookup(tool + "/lib/escape-relative")));
            assertEquals("libtool.so.1", readLink(c, c.lookup(tool + "/lib/libtool.so")));
            // A LOOKUP through a symlink is refused rather than resolved on the server.
            CompoundReply r = c.compound(c.newCompound().putRootFh().lookupPath(tool + "/escape/x"));
            r.ok(24);
            for (int i = 0; i < 4; i++) {
                r.ok(15);
            }
            assertEquals(10029, r.next(15), "NFS4ERR_SYMLINK");
        }
    }

    private static String readLink(Nfs4TestClient c, byte[] fh) throws Exception {
        CompoundReply r = c.compound(c.newCompound().putFh(fh).readLink());
        r.ok(22).ok(27);
        return r.string();
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void readDirPagesThroughAThousandEntriesWithAnyBufferSize(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.bigDir));
            for (int maxCount : new int[] {128, 1000, 8192, 1 << 20}) {
                List<String> names = c.readDirNames(dir, maxCount);
                assertEquals(1000, names.size(), "maxcount " + maxCount);
                assertEquals(1000, new HashSet<>(names).size(), "no duplicates with maxcount " + maxCount);
            }
            CompoundReply r = c.compound(c.newCompound().putFh(dir).readDir(0, new byte[8], 20, 20, TYPE));
            r.ok(22);
            assertEquals(10005, r.next(26), "NFS4ERR_TOOSMALL when not even one entry fits");
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void pseudoFilesystemLeadsToTheExportAndEndsAtTheRoot(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] root = c.lookup("/");
            assertEquals(List.of("nix"), c.readDirNames(root, 4096));
            assertEquals(List.of("store"), c.readDirNames(c.lookup("/nix"), 4096));
            CompoundReply r = c.compound(c.newCompound().putRootFh().lookupp());
            r.ok(24);
            assertEquals(2, r.next(16), "LOOKUPP at / is NOENT");
            // ".." from the store directory leads back up the pseudo tree, never elsewhere.
            r = c.compound(c.newCompound().putRootFh().lookupPath("/nix/store").lookupp().lookupp().getFh());
            r.ok(24).ok(15).ok(15).ok(16).ok(16).ok(10);
            assertArrayEquals(root, r.opaque());
        }
    }
}
