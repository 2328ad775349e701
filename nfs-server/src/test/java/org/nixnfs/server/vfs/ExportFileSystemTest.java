package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nixnfs.server.vfs.TestPaths.storePath;
import static org.nixnfs.server.vfs.TestPaths.valid;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;

/** The front: it tells nodes apart, checks validity on every use, and turns "no such entry" into NOENT. */
class ExportFileSystemTest {
    private static final StorePath TOOL = storePath('d', "tool-1.0");
    private static final StorePath COPYING = storePath('f', "half-copied-1.0");

    @TempDir
    Path storeDir;
    StoreIndexHolder index;
    ExportFileSystem fs;

    @BeforeEach
    void setUp() throws Exception {
        TestPaths.writeTool(storeDir, TOOL);
        TestPaths.writeTool(storeDir, COPYING);
        index = new StoreIndexHolder(StoreIndex.of(List.of(valid(TOOL, 1000))));
        fs = new ExportFileSystem(storeDir, "/nix/store", index, CacheSettings.defaults());
    }

    private Node exportRoot() throws NfsException {
        return fs.lookup(fs.lookup(fs.root(), "nix"), "store");
    }

    @Test
    void walksFromTheRootToAFile() throws Exception {
        Node root = exportRoot();
        assertInstanceOf(Node.ExportRoot.class, root);
        Node tool = fs.lookup(fs.lookup(fs.lookup(root, TOOL.baseName()), "bin"), "tool");
        assertEquals(FileType.REGULAR, fs.attributes(tool).type());
        assertEquals(TOOL.hashPart(), tool.storePathHash());
        assertEquals(tool, fs.resolve(tool.handle()));
        Node up = fs.parent(fs.parent(fs.parent(tool)));
        assertEquals(root, up);
        assertEquals(fs.root(), fs.parent(fs.parent(root)));
        assertStatus(NfsStatus.NFS4ERR_NOENT, () -> fs.parent(fs.root()));
    }

    @Test
    void onlyValidPathsAreSeen() throws Exception {
        assertTrue(Files.isDirectory(storeDir.resolve(COPYING.baseName())), "on disk");
        assertStatus(NfsStatus.NFS4ERR_NOENT, () -> fs.lookup(exportRoot(), COPYING.baseName()));
        DirectoryListing l = fs.list(exportRoot());
        assertEquals(1, l.size());
        assertEquals(TOOL.baseName(), l.name(0));
    }

    @Test
    void aDeletedPathIsStale() throws Exception {
        Node bin = fs.lookup(fs.lookup(exportRoot(), TOOL.baseName()), "bin");
        index.replace(StoreIndex.empty());
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.resolve(bin.handle()));
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.lookup(bin, "tool"));
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.list(bin));
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.resolveInMemory(bin.handle())); // from memory
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.lookupInMemory(bin, "tool"));
    }

    @Test
    void badNamesAndHandlesAreRefused() throws Exception {
        assertStatus(NfsStatus.NFS4ERR_BADNAME, () -> fs.lookup(exportRoot(), ".."));
        assertStatus(NfsStatus.NFS4ERR_BADHANDLE, () -> fs.resolve(new FileHandle(new byte[] {1, 2, 3})));
        FileHandle otherExport = new FileHandles("/other").storeObject(TOOL.hashPart(), "");
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.resolve(otherExport));
        assertStatus(NfsStatus.NFS4ERR_BADHANDLE, () -> fs.resolveInMemory(new FileHandle(new byte[] {1, 2, 3})));
        assertStatus(NfsStatus.NFS4ERR_BADNAME, () -> fs.lookupInMemory(exportRoot(), ".."));
    }

    @Test
    void thePseudoTreeAndTheStoreDirectoryAreNotFiles() throws Exception {
        assertStatus(NfsStatus.NFS4ERR_ISDIR, () -> fs.open(exportRoot()));
        assertStatus(NfsStatus.NFS4ERR_INVAL, () -> fs.readlink(fs.root()));
        assertStatus(NfsStatus.NFS4ERR_ISDIR, () -> fs.openInMemory(exportRoot()));
        assertStatus(NfsStatus.NFS4ERR_INVAL, () -> fs.readlinkInMemory(exportRoot()));
    }

    @Test
    void saysWhatIsAnsweredFromMemory() throws Exception {
        Node root = exportRoot();
        assertEquals(fs.lookup(fs.root(), "nix"), fs.lookupInMemory(fs.root(), "nix"), "the pseudo tree");
        assertStatus(NfsStatus.NFS4ERR_NOENT, () -> fs.lookupInMemory(root, COPYING.baseName())); // not valid: at once
        assertNull(fs.lookupInMemory(root, TOOL.baseName()), "its attributes are read from disk");
        Node tool = fs.lookup(root, TOOL.baseName());
        assertEquals(tool, fs.lookupInMemory(root, TOOL.baseName()));
        assertEquals(tool, fs.resolveInMemory(tool.handle()));
        Node file = fs.lookup(fs.lookup(tool, "bin"), "tool");
        assertNull(fs.openInMemory(file), "not open yet");
        fs.open(file).release();
        OpenFile open = fs.openInMemory(file);
        assertEquals(4, open.size());
        open.release();
        assertNull(fs.listInMemory(fs.root()), "a pseudo directory's listing is made on demand");
        fs.list(root);
        assertEquals(fs.list(root), fs.listInMemory(root));
    }

    @Test
    void saysWhenAParentIsAnsweredFromMemory() throws Exception {
        Node root = exportRoot();
        Node tool = fs.lookup(root, TOOL.baseName());
        Node file = fs.lookup(fs.lookup(tool, "bin"), "tool");
        assertStatus(NfsStatus.NFS4ERR_NOENT, () -> fs.parentInMemory(fs.root())); // the pseudo tree
        assertEquals(fs.parent(root), fs.parentInMemory(root));
        assertEquals(root, fs.parentInMemory(tool), "a store path's parent is the export root");

        ExportFileSystem fresh = new ExportFileSystem(storeDir, "/nix/store", index, CacheSettings.defaults());
        Node resolved = fresh.resolve(file.handle()); // reads the file only, not the directory it is in
        assertNull(fresh.parentInMemory(resolved), "bin/ is read from disk");
        Node bin = fresh.parent(resolved);
        assertEquals("bin", ((Node.StoreObject) bin).relPath());
        assertEquals(bin, fresh.parentInMemory(resolved));

        index.replace(StoreIndex.empty());
        assertStatus(NfsStatus.NFS4ERR_STALE, () -> fs.parentInMemory(file)); // from memory
    }

    @Test
    void theStoreDirectorysChangeFollowsTheIndex() throws Exception {
        long before = fs.attributes(exportRoot()).change();
        index.replace(StoreIndex.of(List.of(valid(TOOL, 1000), valid(COPYING, 2000))));
        assertNotEquals(before, fs.attributes(exportRoot()).change());
        assertEquals(COPYING.hashPart(), fs.lookup(exportRoot(), COPYING.baseName()).storePathHash(), "registered now");
    }

    private static void assertStatus(int status, Executable call) {
        assertEquals(NfsStatus.name(status), NfsStatus.name(assertThrows(NfsException.class, call).status()));
    }
}
