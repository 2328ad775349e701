package org.nixnfs.server.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.ValidPath;

/**
 * The contents of valid store paths, straight from disk (lstat, readdir, readlink, open), and the
 * caches in front of the disk.
 *
 * <p>A store path's content never changes while it stays registered, so nothing here is ever
 * invalidated. Every cache key carries the registration of the store path it was read under
 * (Nix's row id, new on every registration even within one second): a path deleted and registered
 * again (perhaps with other content) misses every entry of its old registration, which age out. Callers check that the store path is valid and pass its
 * {@link ValidPath}. The {@code ...InMemory} methods answer from the caches alone, null when their
 * namesake would need the disk (which belongs on a worker thread).
 */
final class StoreObjects {
    private final Path storeDir;
    private final FileHandles handles;
    private final ObjectIds objectIds;

    /** A node's handle under one registration of its store path. */
    private record Key(FileHandle handle, ValidPath.Registration registration) {
        static Key of(Node.StoreObject o) {
            return new Key(o.handle(), o.registration());
        }
    }

    private record LookupKey(FileHandle dir, ValidPath.Registration registration, String name) {
    }

    private final Cache<Key, Node.StoreObject> nodes;
    /** Absent entries are cached too: an empty Optional is "no such entry". */
    private final Cache<LookupKey, Optional<Node.StoreObject>> lookups;
    private final Cache<Key, DirectoryListing> listings;
    private final Cache<Key, String> linkTargets;
    private final Cache<Key, OpenFile> openFiles;

    StoreObjects(Path storeDir, FileHandles handles, CacheSettings cache) {
        this.storeDir = storeDir;
        this.handles = handles;
        this.objectIds = new ObjectIds(storeDir);
        // recordStats: hits, misses and evictions for the metrics (a few striped counters, no lock).
        this.nodes = Caffeine.newBuilder().maximumSize(cache.nodes()).recordStats().build();
        this.lookups = Caffeine.newBuilder().maximumSize(cache.lookups()).recordStats().build();
        this.listings = Caffeine.newBuilder().maximumWeight(cache.listingEntries())
                .weigher((Key k, DirectoryListing v) -> Math.max(1, v.size())).recordStats().build();
        this.linkTargets = Caffeine.newBuilder().maximumSize(cache.nodes()).recordStats().build();
        this.openFiles = Caffeine.newBuilder().maximumSize(cache.openFiles()).recordStats()
                .expireAfterAccess(10, TimeUnit.MINUTES)
                .removalListener((Key k, OpenFile f, RemovalCause c) -> {
                    if (f != null) {
                        f.release();
                    }
                })
                .build();
    }

    /** The caches by name, for metrics. */
    Map<String, Cache<?, ?>> caches() {
        Map<String, Cache<?, ?>> m = new LinkedHashMap<>();
        m.put("nodes", nodes);
        m.put("lookups", lookups);
        m.put("listings", listings);
        m.put("link_targets", linkTargets);
        m.put("open_files", openFiles);
        return m;
    }

    /**
     * The object a file handle names inside {@code vp}; empty if the store path holds no such
     * object (a handle from another registration, or forged).
     */
    Optional<Node.StoreObject> resolve(ValidPath vp, FileHandle fh, byte[] objectId) throws NfsException {
        Node.StoreObject cached = nodes.getIfPresent(new Key(fh, vp.registration()));
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<String> rel = FileHandles.isRoot(objectId) ? Optional.of("") : objectIds.relativePath(vp, objectId);
        return rel.isEmpty() ? Optional.empty() : load(vp, rel.get());
    }

    /** The cached object a file handle names inside {@code vp}; null if not cached (then {@link #resolve}). */
    Node.StoreObject resolveInMemory(ValidPath vp, FileHandle fh) {
        return nodes.getIfPresent(new Key(fh, vp.registration()));
    }

    /** The store path itself (its top directory, file or symlink); empty if it is not on disk. */
    Optional<Node.StoreObject> root(ValidPath vp) throws NfsException {
        Node.StoreObject cached = nodes.getIfPresent(rootKey(vp));
        return cached != null ? Optional.of(cached) : load(vp, "");
    }

    /** The store path itself if it is cached, else null (then {@link #root}). */
    Node.StoreObject rootInMemory(ValidPath vp) {
        return nodes.getIfPresent(rootKey(vp));
    }

    private Key rootKey(ValidPath vp) {
        return new Key(handles.storeObject(vp.path().hashPart(), ""), vp.registration());
    }

    /** The entry {@code name} of directory {@code dir} in {@code vp}; empty if there is none. */
    Optional<Node.StoreObject> lookup(ValidPath vp, Node.StoreObject dir, String name) throws NfsException {
        requireDirectory(dir);
        LookupKey key = new LookupKey(dir.handle(), vp.registration(), name);
        Optional<Node.StoreObject> cached = lookups.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Optional<Node.StoreObject> found = load(vp, dir.relPath().isEmpty() ? name : dir.relPath() + "/" + name);
        lookups.put(key, found);
        return found;
    }

    /**
     * {@link #lookup} from the cache (an entry read under this registration), or null if it needs
     * the disk. Not a directory: refused at once.
     */
    Optional<Node.StoreObject> lookupInMemory(ValidPath vp, Node.StoreObject dir, String name) throws NfsException {
        requireDirectory(dir);
        return lookups.getIfPresent(new LookupKey(dir.handle(), vp.registration(), name));
    }

    /** The directory holding {@code o}, which is not the store path itself; empty if it is gone from disk. */
    Optional<Node.StoreObject> parent(ValidPath vp, Node.StoreObject o) throws NfsException {
        String parentRel = parentRelPath(o);
        Node.StoreObject cached = nodes.getIfPresent(
                new Key(handles.storeObject(o.hashPart(), parentRel), vp.registration()));
        return cached != null ? Optional.of(cached) : load(vp, parentRel);
    }

    /** The directory holding {@code o} if it is cached, else null (then {@link #parent}). */
    Node.StoreObject parentInMemory(ValidPath vp, Node.StoreObject o) {
        return nodes.getIfPresent(new Key(handles.storeObject(o.hashPart(), parentRelPath(o)), vp.registration()));
    }

    private static String parentRelPath(Node.StoreObject o) {
        int slash = o.relPath().lastIndexOf('/');
        return slash < 0 ? "" : o.relPath().substring(0, slash);
    }

    /** Reads the object at {@code relPath} in {@code vp} from disk ({@code lstat}) and caches it. */
    private Optional<Node.StoreObject> load(ValidPath vp, String relPath) throws NfsException {
        String hash = vp.path().hashPart();
        byte[] objectId = FileHandles.objectId(hash, relPath);
        FileHandle fh = handles.storeObject(hash, objectId);
        Path disk = storeDir.resolve(vp.path().baseName());
        if (!relPath.isEmpty()) {
            disk = disk.resolve(relPath);
        }
        try {
            Attributes a = DiskAttributes.read(disk, FileHandles.fileId(hash, objectId));
            Node.StoreObject n = new Node.StoreObject(fh, hash, relPath, disk, a, vp.registration());
            nodes.put(new Key(fh, vp.registration()), n);
            return Optional.of(n);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new NfsException(NfsStatus.NFS4ERR_IO, "cannot stat " + disk, e);
        }
    }

    private static void requireDirectory(Node.StoreObject dir) throws NfsException {
        if (dir.type() == FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_SYMLINK);
        }
        if (dir.type() != FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
        }
    }

    /** A directory's entries, sorted by name: positions are stable cookies, as the directory never changes. */
    DirectoryListing list(Node.StoreObject dir) throws NfsException {
        requireDirectory(dir);
        Key key = Key.of(dir);
        DirectoryListing cached = listings.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        DirectoryListing l = DirectoryListing.positional(readDirectory(dir.diskPath()));
        listings.put(key, l);
        return l;
    }

    /** {@link #list} if the listing is cached, else null. */
    DirectoryListing listInMemory(Node.StoreObject dir) throws NfsException {
        requireDirectory(dir);
        return listings.getIfPresent(Key.of(dir));
    }

    private static List<String> readDirectory(Path dir) throws NfsException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new NfsException(NfsStatus.NFS4ERR_IO, "cannot list " + dir, e);
        }
        names.sort(null);
        return names;
    }

    /** A symlink's target text, as stored. */
    String readlink(Node.StoreObject link) throws NfsException {
        requireSymlink(link);
        Key key = Key.of(link);
        String cached = linkTargets.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        try {
            String target = Files.readSymbolicLink(link.diskPath()).toString();
            linkTargets.put(key, target);
            return target;
        } catch (IOException e) {
            throw new NfsException(NfsStatus.NFS4ERR_IO, "cannot read symlink " + link.diskPath(), e);
        }
    }

    /** {@link #readlink} if the target is cached, else null. */
    String readlinkInMemory(Node.StoreObject link) throws NfsException {
        requireSymlink(link);
        return linkTargets.getIfPresent(Key.of(link));
    }

    private static void requireSymlink(Node.StoreObject link) throws NfsException {
        if (link.type() != FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "not a symlink");
        }
    }

    /**
     * A retained reference to the regular file, open for reading; the caller releases it. All
     * READs of a file share one channel, which stays open while READs come.
     */
    OpenFile open(Node.StoreObject file) throws NfsException {
        requireRegular(file);
        Key key = Key.of(file);
        while (true) {
            OpenFile f;
            try {
                f = openFiles.get(key, k -> openChannel(file));
            } catch (UncheckedIOException e) {
                throw new NfsException(NfsStatus.NFS4ERR_IO, "cannot open " + file.diskPath(), e.getCause());
            }
            if (f.tryRetain() != null) {
                return f;
            }
            // Evicted and closed between get() and the retain: open it again.
            openFiles.asMap().remove(key, f);
        }
    }

    /** {@link #open} if the file is open already, else null (opening it touches the disk). */
    OpenFile openInMemory(Node.StoreObject file) throws NfsException {
        requireRegular(file);
        OpenFile f = openFiles.getIfPresent(Key.of(file));
        if (f == null) {
            return null;
        }
        return f.tryRetain(); // null if evicted and closed since: open() opens it again
    }

    private static void requireRegular(Node.StoreObject file) throws NfsException {
        if (file.type() != FileType.REGULAR) {
            throw new NfsException(file.type() == FileType.DIRECTORY ? NfsStatus.NFS4ERR_ISDIR
                    : file.type() == FileType.SYMLINK ? NfsStatus.NFS4ERR_SYMLINK : NfsStatus.NFS4ERR_INVAL);
        }
    }

    private static OpenFile openChannel(Node.StoreObject file) {
        try {
            // O_NOFOLLOW: the last component is a regular file as far as we know; never follow a
            // symlink that might have been put in its place.
            FileChannel ch = FileChannel.open(file.diskPath(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new OpenFile(ch, file.attributes().size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
