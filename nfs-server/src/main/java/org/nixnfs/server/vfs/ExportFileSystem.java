package org.nixnfs.server.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.ValidPath;

/**
 * The read-only filesystem the NFS operations see, a front over three parts:
 * <ul>
 *   <li>{@link PseudoTree}: the directories from "/" down to the export path, in memory;</li>
 *   <li>{@link StoreDirectory}: the export root, showing exactly the valid store paths of the index;</li>
 *   <li>{@link StoreObjects}: the contents of those store paths, from disk, cached.</li>
 * </ul>
 * It tells nodes apart, checks on every use that a node's store path is still valid (STALE once
 * it is deleted), and turns "no such entry" into NOENT. Every method fails with an
 * {@link NfsException} carrying the status a client should get. Nothing here writes.
 *
 * <p>The {@code is...Cached} methods say what is answered from memory; the rest may wait for the
 * disk and runs on a worker thread, off the event loop.
 */
public final class ExportFileSystem {
    private final FileHandles handles;
    private final PseudoTree pseudo;
    private final StoreDirectory storeDirectory;
    private final StoreObjects objects;
    private final FreeSpace freeSpace;

    /**
     * @param storeDir   the store directory on disk ({@code <store-root>/nix/store})
     * @param exportPath the path clients mount, e.g. {@code /nix/store}
     */
    public ExportFileSystem(Path storeDir, String exportPath, StoreIndexHolder index, CacheSettings cache)
            throws IOException {
        this(storeDir, exportPath, index, cache, MissingPathFetcher.NONE);
    }

    /** @param missingPaths asked about store path names looked up that are not valid (fault-in) */
    public ExportFileSystem(Path storeDir, String exportPath, StoreIndexHolder index, CacheSettings cache,
                            MissingPathFetcher missingPaths) throws IOException {
        List<String> components = Arrays.stream(exportPath.split("/")).filter(s -> !s.isEmpty()).toList();
        this.handles = new FileHandles("/" + String.join("/", components));
        Attributes storeDirAttrs = DiskAttributes.read(storeDir, PseudoTree.fileId(components.size()));
        if (storeDirAttrs.type() != FileType.DIRECTORY) {
            throw new IOException(storeDir + " is not a directory");
        }
        this.pseudo = new PseudoTree(components, handles, storeDirAttrs);
        this.storeDirectory = new StoreDirectory(index, storeDirAttrs, missingPaths);
        this.objects = new StoreObjects(storeDir, handles, cache);
        this.freeSpace = new FreeSpace(storeDir, System::nanoTime);
    }

    /** The caches by name, for metrics (stats are recorded). */
    public Map<String, Cache<?, ?>> caches() {
        return objects.caches();
    }

    /** The pseudo root "/" (PUTROOTFH). */
    public Node root() {
        return pseudo.root();
    }

    /** The node a client's file handle names (PUTFH): BADHANDLE if malformed, STALE if gone. */
    public Node resolve(FileHandle fh) throws NfsException {
        FileHandles.Target t = handles.parse(fh.bytes());
        if (t instanceof FileHandles.Pseudo p) {
            return pseudo.at(p.depth()).orElseThrow(
                    () -> new NfsException(NfsStatus.NFS4ERR_STALE, "no pseudo directory at depth " + p.depth()));
        }
        if (t instanceof FileHandles.ExportRoot) {
            return pseudo.exportRoot();
        }
        FileHandles.StoreObject so = (FileHandles.StoreObject) t;
        ValidPath vp = validPath(so.hashPart());
        return objects.resolve(vp, fh, so.objectId()).orElseThrow(
                () -> new NfsException(NfsStatus.NFS4ERR_STALE, "no such object in " + vp.path()));
    }

    /**
     * The entry {@code name} of directory {@code dir} (LOOKUP); never follows a symlink. Never
     * waits for fault-in: a store path being fetched is DELAY.
     */
    public Node lookup(Node dir, String name) throws NfsException {
        return lookup(dir, name, false);
    }

    /**
     * The entry {@code name} of directory {@code dir} (LOOKUP); never follows a symlink.
     *
     * @param mayWait the caller runs on a worker thread, never on an event loop: a store path
     *                fault-in is fetching may be waited for (a bounded time) instead of DELAY
     */
    public Node lookup(Node dir, String name, boolean mayWait) throws NfsException {
        Names.validate(name);
        Optional<? extends Node> found = switch (dir.kind()) {
            case PSEUDO -> pseudo.lookup((Node.Pseudo) dir, name);
            case EXPORT_ROOT -> storePath(name, mayWait);
            case STORE_OBJECT -> {
                Node.StoreObject d = (Node.StoreObject) dir;
                yield objects.lookup(validPath(d.hashPart()), d, name);
            }
        };
        return found.orElseThrow(() -> new NfsException(NfsStatus.NFS4ERR_NOENT));
    }

    /** The store path {@code name} names in the store directory, if it is valid (or fetched) and on disk. */
    private Optional<Node.StoreObject> storePath(String name, boolean mayWait) throws NfsException {
        Optional<ValidPath> vp = storeDirectory.lookup(name, mayWait);
        return vp.isEmpty() ? Optional.empty() : objects.root(vp.get());
    }

    /** The parent of {@code node} (LOOKUPP); NOENT at "/". */
    public Node parent(Node node) throws NfsException {
        Optional<? extends Node> parent = switch (node.kind()) {
            case PSEUDO -> pseudo.parent((Node.Pseudo) node);
            case EXPORT_ROOT -> pseudo.parentOfExportRoot();
            case STORE_OBJECT -> {
                Node.StoreObject o = (Node.StoreObject) node;
                if (o.relPath().isEmpty()) {
                    yield Optional.of(pseudo.exportRoot());
                }
                ValidPath vp = validPath(o.hashPart());
                yield Optional.of(objects.parent(vp, o).orElseThrow(
                        () -> new NfsException(NfsStatus.NFS4ERR_STALE, "gone from disk: " + vp.path())));
            }
        };
        return parent.orElseThrow(() -> new NfsException(NfsStatus.NFS4ERR_NOENT, "\"/\" has no parent"));
    }

    /** Current attributes; only the export root's ever change. */
    public Attributes attributes(Node node) {
        return switch (node.kind()) {
            case PSEUDO -> ((Node.Pseudo) node).attributes();
            case EXPORT_ROOT -> storeDirectory.attributes();
            case STORE_OBJECT -> ((Node.StoreObject) node).attributes();
        };
    }

    /** The entries of a directory, in cookie order. */
    public DirectoryListing list(Node dir) throws NfsException {
        return switch (dir.kind()) {
            case PSEUDO -> pseudo.list((Node.Pseudo) dir);
            case EXPORT_ROOT -> storeDirectory.listing();
            case STORE_OBJECT -> {
                Node.StoreObject d = (Node.StoreObject) dir;
                validPath(d.hashPart());
                yield objects.list(d);
            }
        };
    }

    /** The target text of a symlink, as stored; the server never follows it. */
    public String readlink(Node node) throws NfsException {
        if (!(node instanceof Node.StoreObject link)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "not a symlink");
        }
        validPath(link.hashPart());
        return objects.readlink(link);
    }

    /** A retained reference to the open regular file; the caller releases it. */
    public OpenFile open(Node node) throws NfsException {
        if (!(node instanceof Node.StoreObject file)) {
            throw new NfsException(NfsStatus.NFS4ERR_ISDIR);
        }
        validPath(file.hashPart());
        return objects.open(file);
    }

    /** Space figures of the filesystem holding the store (sampled at most once a second). */
    public FsStats fsStats() {
        return freeSpace.current();
    }

    /** The valid path with this hash part; STALE once it is deleted. */
    private ValidPath validPath(String hashPart) throws NfsException {
        return storeDirectory.byHashPart(hashPart).orElseThrow(
                () -> new NfsException(NfsStatus.NFS4ERR_STALE, "store path " + hashPart + " is no longer valid"));
    }

    // What is answered from memory: the rest may wait for the disk and runs off the event loop.

    /** Whether {@link #resolve} of this handle needs no disk access. */
    public boolean isCached(FileHandle fh) {
        FileHandles.Target t;
        try {
            t = handles.parse(fh.bytes());
        } catch (NfsException malformed) {
            return true; // answered at once
        }
        if (!(t instanceof FileHandles.StoreObject so)) {
            return true;
        }
        Optional<ValidPath> vp = storeDirectory.byHashPart(so.hashPart());
        return vp.isEmpty() || objects.isResolveCached(vp.get(), fh);
    }

    /** Whether {@link #lookup} of this name needs no disk access. */
    public boolean isLookupCached(Node dir, String name) {
        return switch (dir.kind()) {
            case PSEUDO -> true;
            case EXPORT_ROOT -> {
                Optional<ValidPath> vp = storeDirectory.valid(name);
                // A missing name: fault-in may hold the LOOKUP until its fetch ends, so not on the event loop.
                yield vp.isEmpty() ? storeDirectory.isLookupCached(name) : objects.isRootCached(vp.get());
            }
            case STORE_OBJECT -> {
                Node.StoreObject d = (Node.StoreObject) dir;
                Optional<ValidPath> vp = storeDirectory.byHashPart(d.hashPart());
                yield vp.isEmpty() || objects.isLookupCached(vp.get(), d, name);
            }
        };
    }

    /** Whether {@link #parent} of this node needs no disk access. */
    public boolean isParentCached(Node node) {
        if (!(node instanceof Node.StoreObject o) || o.relPath().isEmpty()) {
            return true; // the pseudo tree, or the export root above a store path
        }
        Optional<ValidPath> vp = storeDirectory.byHashPart(o.hashPart());
        return vp.isEmpty() || objects.isParentCached(vp.get(), o);
    }

    /** Whether {@link #open} of this file needs no disk access. */
    public boolean isOpenCached(Node file) {
        return !(file instanceof Node.StoreObject o) || objects.isOpenCached(o);
    }

    /** Whether {@link #readlink} of this symlink needs no disk access. */
    public boolean isLinkCached(Node link) {
        return !(link instanceof Node.StoreObject o) || objects.isLinkCached(o);
    }

    /** The directory's listing if it is at hand without disk access, else null. */
    public DirectoryListing cachedListing(Node dir) {
        return switch (dir.kind()) {
            case PSEUDO -> null;
            case EXPORT_ROOT -> storeDirectory.cachedListing();
            case STORE_OBJECT -> objects.cachedListing((Node.StoreObject) dir);
        };
    }
}
