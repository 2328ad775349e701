package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.nixnfs.server.vfs.TestPaths.storePath;
import static org.nixnfs.server.vfs.TestPaths.valid;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

class StoreObjectsTest {
    private static final StorePath TOOL = storePath('d', "tool-1.0");

    @TempDir
    Path storeDir;
    Path onDisk;
    final FileHandles handles = new FileHandles("/nix/store");
    final ValidPath vp = valid(TOOL, 1000);
    StoreObjects objects;

    @BeforeEach
    void setUp() throws Exception {
        onDisk = TestPaths.writeTool(storeDir, TOOL);
        objects = new StoreObjects(storeDir, handles, CacheSettings.defaults());
    }

    private Node.StoreObject at(String relPath) throws NfsException {
        Node.StoreObject n = objects.root(vp).orElseThrow();
        for (String name : relPath.split("/")) {
            n = objects.lookup(vp, n, name).orElseThrow();
        }
        return n;
    }

    @Test
    void theStorePathItselfAndWhatIsInIt() throws Exception {
        Node.StoreObject root = objects.root(vp).orElseThrow();
        assertEquals("", root.relPath());
        assertEquals(FileType.DIRECTORY, root.type());
        assertEquals(TOOL.hashPart(), root.storePathHash());
        assertEquals(1000, root.registration().time());

        Node.StoreObject tool = at("bin/tool");
        assertEquals("bin/tool", tool.relPath());
        assertEquals(FileType.REGULAR, tool.type());
        assertEquals(4, tool.attributes().size());
        assertEquals(onDisk.resolve("bin/tool"), tool.diskPath());
        assertEquals(handles.storeObject(TOOL.hashPart(), "bin/tool"), tool.handle());
    }

    @Test
    void aMissingEntryIsEmptyAndCachedAsSuch() throws Exception {
        Node.StoreObject bin = at("bin");
        assertNull(objects.lookupInMemory(vp, bin, "cc"));
        assertEquals(Optional.empty(), objects.lookup(vp, bin, "cc"));
        assertEquals(Optional.empty(), objects.lookupInMemory(vp, bin, "cc"), "cached as missing");
        Files.writeString(onDisk.resolve("bin/cc"), "appeared");
        assertEquals(Optional.empty(), objects.lookup(vp, bin, "cc"), "store content is immutable: not looked for again");
    }

    @Test
    void aStorePathMissingFromDiskIsEmpty() throws Exception {
        assertEquals(Optional.empty(), objects.root(valid(storePath('m', "missing-1.0"), 1)));
    }

    @Test
    void lookingUpInAFileOrSymlinkIsRefused() throws Exception {
        assertStatus(NfsStatus.NFS4ERR_NOTDIR, () -> objects.lookup(vp, at("bin/tool"), "x"));
        assertStatus(NfsStatus.NFS4ERR_SYMLINK, () -> objects.lookup(vp, at("lib/libx.so"), "x"));
        assertStatus(NfsStatus.NFS4ERR_NOTDIR, () -> objects.lookupInMemory(vp, at("bin/tool"), "x")); // no disk
    }

    @Test
    void resolvesAHandleItHasNeverSeen() throws Exception {
        FileHandle fh = handles.storeObject(TOOL.hashPart(), "lib/libx.so.1");
        StoreObjects fresh = new StoreObjects(storeDir, handles, CacheSettings.defaults());
        assertNull(fresh.resolveInMemory(vp, fh));
        Node.StoreObject n = fresh.resolve(vp, fh, objectId(fh)).orElseThrow();
        assertEquals("lib/libx.so.1", n.relPath());
        assertSame(n, fresh.resolveInMemory(vp, fh));
    }

    @Test
    void aForgedObjectIdNamesNothing() throws Exception {
        byte[] forged = FileHandles.objectId(TOOL.hashPart(), "etc/passwd");
        FileHandle fh = handles.storeObject(TOOL.hashPart(), forged);
        assertEquals(Optional.empty(), objects.resolve(vp, fh, forged));
    }

    @Test
    void whatWasReadUnderOneRegistrationIsNotUsedUnderAnother() throws Exception {
        Node.StoreObject bin = at("bin");
        assertSame(bin, objects.resolveInMemory(vp, bin.handle()));
        ValidPath again = valid(TOOL, 2000);
        assertNull(objects.resolveInMemory(again, bin.handle()));
        assertNull(objects.rootInMemory(again));
        Node.StoreObject binAgain = objects.resolve(again, bin.handle(), objectId(bin.handle())).orElseThrow();
        assertEquals(2000, binAgain.registration().time());
        assertNull(objects.lookupInMemory(again, binAgain, "tool"));
        objects.list(bin);
        assertNull(objects.listInMemory(binAgain));
    }

    @Test
    void parentOfANestedObject() throws Exception {
        Node.StoreObject tool = at("bin/tool");
        assertEquals(at("bin"), objects.parent(vp, tool).orElseThrow());
        assertEquals(objects.root(vp).orElseThrow(), objects.parent(vp, at("bin")).orElseThrow());
    }

    @Test
    void listsADirectorySortedAndCachesIt() throws Exception {
        Node.StoreObject lib = at("lib");
        assertNull(objects.listInMemory(lib));
        DirectoryListing l = objects.list(lib);
        assertEquals(List.of("libx.so", "libx.so.1"), List.of(l.name(0), l.name(1)));
        assertEquals(DirectoryListing.FIRST_COOKIE, l.cookie(0));
        assertSame(l, objects.listInMemory(lib));
        assertStatus(NfsStatus.NFS4ERR_NOTDIR, () -> objects.listInMemory(at("bin/tool")));
        assertStatus(NfsStatus.NFS4ERR_NOTDIR, () -> objects.list(at("bin/tool")));
    }

    @Test
    void readsASymlinkWithoutFollowingIt() throws Exception {
        Node.StoreObject link = at("lib/libx.so");
        assertEquals(FileType.SYMLINK, link.type());
        assertNull(objects.readlinkInMemory(link));
        assertEquals("libx.so.1", objects.readlink(link));
        assertEquals("libx.so.1", objects.readlinkInMemory(link));
        assertStatus(NfsStatus.NFS4ERR_INVAL, () -> objects.readlinkInMemory(at("bin/tool")));
        assertStatus(NfsStatus.NFS4ERR_INVAL, () -> objects.readlink(at("bin/tool")));
    }

    @Test
    void opensARegularFileOnceForAllReaders() throws Exception {
        Node.StoreObject tool = at("bin/tool");
        assertNull(objects.openInMemory(tool));
        OpenFile first = objects.open(tool);
        OpenFile second = objects.open(tool);
        try {
            assertSame(first, second);
            OpenFile third = objects.openInMemory(tool);
            assertSame(first, third);
            third.release();
            ByteBuffer b = ByteBuffer.allocate(16);
            first.channel().read(b, 0);
            assertEquals("tool", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
            assertEquals(4, first.size());
        } finally {
            first.release();
            second.release();
        }
        assertStatus(NfsStatus.NFS4ERR_ISDIR, () -> objects.open(at("bin")));
        assertStatus(NfsStatus.NFS4ERR_SYMLINK, () -> objects.open(at("lib/libx.so")));
    }

    @Test
    void aDiskErrorIsAnIoErrorWithItsCause() throws Exception {
        Node.StoreObject tool = at("bin/tool");
        Files.delete(onDisk.resolve("bin/tool"));
        NfsException e = assertThrows(NfsException.class, () -> objects.open(tool));
        assertEquals(NfsStatus.NFS4ERR_IO, e.status());
        assertNotNull(e.getCause());
    }

    @Test
    void cachesAreNamedForTheMetrics() {
        assertEquals(List.of("nodes", "lookups", "listings", "link_targets", "open_files"),
                List.copyOf(objects.caches().keySet()));
    }

    private static byte[] objectId(FileHandle fh) {
        byte[] b = fh.bytes();
        return Arrays.copyOfRange(b, b.length - FileHandles.OBJECT_ID_LENGTH, b.length);
    }

    private static void assertStatus(int status, Executable call) {
        assertEquals(NfsStatus.name(status), NfsStatus.name(assertThrows(NfsException.class, call).status()));
    }
}
