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
 * <p>What may wait for the disk runs on a worker thread, off the event loop. The
 * {@code ...InMemory} methods answer as their namesakes do, errors included, or return null when
 * that needs the disk (or a wait for fault-in): the operation then goes to a worker, which calls
 * the namesake. So the node a request names is looked for once, not once to decide where to run
 * and again to run.
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
        return resolve(fh, true);
    }

    /** {@link #resolve}, or null if that needs the disk (a node not in the cache). */
    public Node resolveInMemory(FileHandle fh) throws NfsException {
        return resolve(fh, false);
    }

    private Node resolve(FileHandle fh, boolean fromDisk) throws NfsException {
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
        if (!fromDisk) {
            return objects.resolveInMemory(vp, fh);
        }
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

    /**
     * {@link #lookup} on the event loop (never waiting for fault-in), or null if that needs the
     * disk (an entry not in the cache) or may wait for a fetch.
     */
    public Node lookupInMemory(Node dir, String name) throws NfsException {
        Names.validate(name);
        Optional<? extends Node> found = switch (dir.kind()) {
            case PSEUDO -> pseudo.lookup((Node.Pseudo) dir, name);
            case EXPORT_ROOT -> storePathInMemory(name);
            case STORE_OBJECT -> {
                Node.StoreObject d = (Node.StoreObject) dir;
                yield objects.lookupInMemory(validPath(d.hashPart()), d, name);
            }
        };
        if (found == null) {
            return null;
        }
        return found.orElseThrow(() -> new NfsException(NfsStatus.NFS4ERR_NOENT));
    }

    /** {@link #storePath} from memory: null if it needs the disk or may wait for fault-in. */
    private Optional<Node.StoreObject> storePathInMemory(String name) throws NfsException {
        Optional<ValidPath> vp = storeDirectory.lookupInMemory(name);
        if (vp == null) {
            return null;
        }
        if (vp.isEmpty()) {
            return Optional.empty();
        }
        Node.StoreObject root = objects.rootInMemory(vp.get());
        return root == null ? null : Optional.of(root);
    }

    /** The parent of {@code node} (LOOKUPP); NOENT at "/". */
    public Node parent(Node node) throws NfsException {
        return parent(node, true);
    }

    /** {@link #parent}, or null if that needs the disk (a directory not in the cache). */
    public Node parentInMemory(Node node) throws NfsException {
        return parent(node, false);
    }

    private Node parent(Node node, boolean fromDisk) throws NfsException {
        Optional<? extends Node> parent = switch (node.kind()) {
            case PSEUDO -> pseudo.parent((Node.Pseudo) node);
            case EXPORT_ROOT -> pseudo.parentOfExportRoot();
            case STORE_OBJECT -> {
                Node.StoreObject o = (Node.StoreObject) node;
                if (o.relPath().isEmpty()) {
                    yield Optional.of(pseudo.exportRoot());
                }
                ValidPath vp = validPath(o.hashPart());
                if (!fromDisk) {
                    Node.StoreObject cached = objects.parentInMemory(vp, o);
                    yield cached == null ? null : Optional.of(cached);
                }
                yield Optional.of(objects.parent(vp, o).orElseThrow(
                        () -> new NfsException(NfsStatus.NFS4ERR_STALE, "gone from disk: " + vp.path())));
            }
        };
        if (parent == null) {
            return null;
        }
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

    /** The entries of a directory, or null if that needs the disk (a listing not made yet). */
    public DirectoryListing listInMemory(Node dir) throws NfsException {
        return switch (dir.kind()) {
            case PSEUDO -> null; // made on demand, which the worker does
            case EXPORT_ROOT -> storeDirectory.cachedListing();
            case STORE_OBJECT -> {
                Node.StoreObject d = (Node.StoreObject) dir;
                validPath(d.hashPart());
                yield objects.listInMemory(d);
            }
        };
    }

    /** The target text of a symlink, as stored; the server never follows it. */
    public String readlink(Node node) throws NfsException {
        return objects.readlink(validLink(node));
    }

    /** {@link #readlink}, or null if that needs the disk (a target not read yet). */
    public String readlinkInMemory(Node node) throws NfsException {
        return objects.readlinkInMemory(validLink(node));
    }

    private Node.StoreObject validLink(Node node) throws NfsException {
        if (!(node instanceof Node.StoreObject link)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "not a symlink");
        }
        validPath(link.hashPart());
        return link;
    }

    /** A retained reference to the open regular file; the caller releases it. */
    public OpenFile open(Node node) throws NfsException {
        return objects.open(validFile(node));
    }

    /** {@link #open}, or null if the file is not open already (opening it touches the disk). */
    public OpenFile openInMemory(Node node) throws NfsException {
        return objects.openInMemory(validFile(node));
    }

    private Node.StoreObject validFile(Node node) throws NfsException {
        if (!(node instanceof Node.StoreObject file)) {
            throw new NfsException(NfsStatus.NFS4ERR_ISDIR);
        }
        validPath(file.hashPart());
        return file;
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
}
