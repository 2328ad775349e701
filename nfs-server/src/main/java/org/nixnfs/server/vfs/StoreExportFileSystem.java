package org.nixnfs.server.vfs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.NfsStatus;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export: pseudo directories down to the export path, then the Nix store directory showing
 * exactly the valid store paths of the {@link StoreIndex}, then their contents straight from disk.
 *
 * <p>Store content never changes while its store path stays registered, so everything read from
 * disk is cached without invalidation; a cached node is only trusted while its store path is
 * valid under the same registration time (checked on every use, against the in-memory index).
 */
public final class StoreExportFileSystem implements ExportFileSystem {
    private static final Logger log = LoggerFactory.getLogger(StoreExportFileSystem.class);
    private static final Node NEGATIVE = new Node(null, Node.Kind.STORE_OBJECT, 0, "", "", null, null, 0);

    private final Path storeDir;
    private final List<String> exportComponents;
    private final FileHandles handles;
    private final StoreIndexHolder index;
    private final Node[] pseudoNodes;
    private final Node exportRoot;
    private final Attributes exportRootDiskAttributes;
    private final ObjectIds objectIds;
    private final MissingPaths missingPaths;

    private final Cache<FileHandle, Node> nodes;
    private final Cache<LookupKey, Node> lookups;
    private final Cache<FileHandle, DirectoryListing> listings;
    private final Cache<FileHandle, String> linkTargets;
    private final Cache<FileHandle, OpenFile> openFiles;

    private volatile StoreDirState storeDirState;
    private volatile FsStatsSample fsStats = new FsStatsSample(new FsStats(0, 0, 0), 0);

    private record LookupKey(FileHandle dir, String name) {
    }

    /** The store directory as of one index snapshot: its change attribute, mtime and (lazily) listing. */
    private static final class StoreDirState {
        final StoreIndex index;
        final long modifyTime;
        volatile DirectoryListing listing;

        StoreDirState(StoreIndex index, long modifyTime) {
            this.index = index;
            this.modifyTime = modifyTime;
        }
    }

    private record FsStatsSample(FsStats stats, long takenAtNanos) {
    }

    /**
     * @param storeDir   the store directory on disk ({@code <store-root>/nix/store})
     * @param exportPath the path clients mount, e.g. {@code /nix/store}
     */
    public StoreExportFileSystem(Path storeDir, String exportPath, StoreIndexHolder index, CacheSettings cache)
            throws IOException {
        this(storeDir, exportPath, index, cache, MissingPathFetcher.NONE);
    }

    /** @param missingPaths asked about store path names looked up that are not valid (fault-in) */
    public StoreExportFileSystem(Path storeDir, String exportPath, StoreIndexHolder index, CacheSettings cache,
                                 MissingPathFetcher missingPaths) throws IOException {
        this.storeDir = storeDir;
        this.missingPaths = new MissingPaths(missingPaths, index);
        this.exportComponents = Arrays.stream(exportPath.split("/")).filter(s -> !s.isEmpty()).toList();
        this.handles = new FileHandles("/" + String.join("/", exportComponents));
        this.index = index;
        this.objectIds = new ObjectIds(storeDir);
        this.pseudoNodes = new Node[exportComponents.size()];
        Attributes storeDirAttrs = DiskAttributes.read(storeDir, pseudoFileId(exportComponents.size()));
        if (storeDirAttrs.type() != FileType.DIRECTORY) {
            throw new IOException(storeDir + " is not a directory");
        }
        for (int d = 0; d < pseudoNodes.length; d++) {
            Attributes a = new Attributes(FileType.DIRECTORY, 0555, 2, 0, 0, 4096, 4096, pseudoFileId(d),
                    storeDirAttrs.modifyTime(), storeDirAttrs.modifyTime(), storeDirAttrs.changeTime(), 1);
            pseudoNodes[d] = new Node(handles.pseudo(d), Node.Kind.PSEUDO, d, null, null, null, a, 0);
        }
        this.exportRootDiskAttributes = storeDirAttrs;
        this.exportRoot = new Node(handles.exportRoot(), Node.Kind.EXPORT_ROOT, exportComponents.size(), null, null,
                storeDir, null, 0);
        // recordStats: hits, misses and evictions for the metrics (a few striped counters, no lock).
        this.nodes = Caffeine.newBuilder().maximumSize(cache.nodes()).recordStats().build();
        this.lookups = Caffeine.newBuilder().maximumSize(cache.lookups()).recordStats().build();
        this.listings = Caffeine.newBuilder().maximumWeight(cache.listingEntries())
                .weigher((FileHandle k, DirectoryListing v) -> Math.max(1, v.size())).recordStats().build();
        this.linkTargets = Caffeine.newBuilder().maximumSize(cache.nodes()).recordStats().build();
        this.openFiles = Caffeine.newBuilder().maximumSize(cache.openFiles()).recordStats()
                .expireAfterAccess(10, TimeUnit.MINUTES)
                .removalListener((FileHandle k, OpenFile f, com.github.benmanes.caffeine.cache.RemovalCause c) -> {
                    if (f != null) {
                        f.release();
                    }
                })
                .build();
        this.storeDirState = new StoreDirState(index.current(), storeDirAttrs.modifyTime());
        index.addListener(this::indexChanged);
    }

    /** The caches by name, for metrics (stats are recorded). */
    public java.util.Map<String, Cache<?, ?>> caches() {
        java.util.Map<String, Cache<?, ?>> m = new java.util.LinkedHashMap<>();
        m.put("nodes", nodes);
        m.put("lookups", lookups);
        m.put("listings", listings);
        m.put("link_targets", linkTargets);
        m.put("open_files", openFiles);
        return m;
    }

    private void indexChanged(StoreIndex next) {
        StoreDirState prev = storeDirState;
        if (next.fingerprint() != prev.index.fingerprint()) {
            storeDirState = new StoreDirState(next, Math.max(System.currentTimeMillis() * 1_000_000L,
                    prev.modifyTime + 1));
        }
    }

    private static long pseudoFileId(int depth) {
        return depth + 1L;
    }

    @Override
    public Node root() {
        return pseudoNodes.length > 0 ? pseudoNodes[0] : exportRoot;
    }

    /** The export root (the store directory). */
    public Node exportRoot() {
        return exportRoot;
    }

    @Override
    public Node resolve(FileHandle fh) throws NfsException {
        FileHandles.Target t = handles.parse(fh.bytes());
        if (t instanceof FileHandles.Pseudo p) {
            if (p.depth() < 0 || p.depth() >= pseudoNodes.length) {
                throw new NfsException(NfsStatus.NFS4ERR_STALE, "no pseudo directory at depth " + p.depth());
            }
            return pseudoNodes[p.depth()];
        }
        if (t instanceof FileHandles.ExportRoot) {
            return exportRoot;
        }
        FileHandles.StoreObject so = (FileHandles.StoreObject) t;
        ValidPath vp = validPath(so.hashPart());
        Node cached = cachedNode(fh, vp);
        if (cached != null) {
            return cached;
        }
        Optional<String> rel = FileHandles.isRoot(so.objectId())
                ? Optional.of("") : objectIds.relativePath(vp, so.objectId());
        if (rel.isEmpty()) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE, "no such object in " + vp.path());
        }
        try {
            return load(vp, rel.get());
        } catch (NoSuchFileException e) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE, "gone from disk: " + vp.path());
        }
    }

    /** The cached node for this handle if it was made under the path's current registration. */
    private Node cachedNode(FileHandle fh, ValidPath vp) {
        Node cached = nodes.getIfPresent(fh);
        return cached != null && cached.registrationTime() == vp.registrationTime() ? cached : null;
    }

    /** The valid path with this hash part; STALE once it is deleted. */
    private ValidPath validPath(String hashPart) throws NfsException {
        Optional<ValidPath> vp = index.current().byHashPart(hashPart);
        if (vp.isEmpty()) {
            throw new NfsException(NfsStatus.NFS4ERR_STALE, "store path " + hashPart + " is no longer valid");
        }
        return vp.get();
    }

    private Node load(ValidPath vp, String relPath) throws NfsException, NoSuchFileException {
        String hash = vp.path().hashPart();
        byte[] objectId = FileHandles.objectId(hash, relPath);
        FileHandle fh = handles.storeObject(hash, objectId);
        Path disk = storeDir.resolve(vp.path().baseName());
        if (!relPath.isEmpty()) {
            disk = disk.resolve(relPath);
        }
        try {
            Attributes a = DiskAttributes.read(disk, FileHandles.fileId(hash, objectId));
            Node n = new Node(fh, Node.Kind.STORE_OBJECT, 0, hash, relPath, disk, a, vp.registrationTime());
            nodes.put(fh, n);
            return n;
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            log.error("cannot stat {}", disk, e);
            throw new NfsException(NfsStatus.NFS4ERR_IO, e.toString());
        }
    }

    @Override
    public Node lookup(Node dir, String name) throws NfsException {
        Names.validate(name);
        return switch (dir.kind()) {
            case PSEUDO -> {
                if (!exportComponents.get(dir.depth()).equals(name)) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOENT);
                }
                yield dir.depth() + 1 < pseudoNodes.length ? pseudoNodes[dir.depth() + 1] : exportRoot;
            }
            case EXPORT_ROOT -> {
                ValidPath vp = index.current().byBaseName(name).orElse(null);
                if (vp == null) {
                    vp = missingPaths.lookUp(name); // NOENT, DELAY, or the path once fetched
                }
                Node cached = cachedNode(handles.storeObject(vp.path().hashPart(), ""), vp);
                if (cached != null) {
                    yield cached;
                }
                try {
                    yield load(vp, "");
                } catch (NoSuchFileException e) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOENT);
                }
            }
            case STORE_OBJECT -> lookupInStorePath(dir, name);
        };
    }

    private Node lookupInStorePath(Node dir, String name) throws NfsException {
        requireDirectory(dir);
        ValidPath vp = validPath(dir.hashPart());
        LookupKey key = new LookupKey(dir.handle(), name);
        Node cached = lookups.getIfPresent(key);
        if (cached == NEGATIVE && dir.registrationTime() == vp.registrationTime()) {
            throw new NfsException(NfsStatus.NFS4ERR_NOENT);
        }
        if (cached != null && cached != NEGATIVE && cached.registrationTime() == vp.registrationTime()) {
            return cached;
        }
        String rel = dir.relPath().isEmpty() ? name : dir.relPath() + "/" + name;
        try {
            Node n = load(vp, rel);
            lookups.put(key, n);
            return n;
        } catch (NoSuchFileException e) {
            lookups.put(key, NEGATIVE);
            throw new NfsException(NfsStatus.NFS4ERR_NOENT);
        }
    }

    private static void requireDirectory(Node dir) throws NfsException {
        FileType type = dir.attributes().type();
        if (type == FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_SYMLINK);
        }
        if (type != FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
        }
    }

    @Override
    public Node parent(Node node) throws NfsException {
        return switch (node.kind()) {
            case PSEUDO -> {
                if (node.depth() == 0) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOENT, "\"/\" has no parent");
                }
                yield pseudoNodes[node.depth() - 1];
            }
            case EXPORT_ROOT -> {
                if (pseudoNodes.length == 0) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOENT, "\"/\" has no parent");
                }
                yield pseudoNodes[pseudoNodes.length - 1];
            }
            case STORE_OBJECT -> {
                if (node.relPath().isEmpty()) {
                    yield exportRoot;
                }
                int slash = node.relPath().lastIndexOf('/');
                String parentRel = slash < 0 ? "" : node.relPath().substring(0, slash);
                yield resolve(handles.storeObject(node.hashPart(), parentRel));
            }
        };
    }

    @Override
    public Attributes attributes(Node node) {
        if (node.kind() != Node.Kind.EXPORT_ROOT) {
            return node.attributes();
        }
        StoreDirState s = storeDirState;
        Attributes d = exportRootDiskAttributes;
        return new Attributes(FileType.DIRECTORY, d.mode(), d.numLinks(), d.uid(), d.gid(),
                4096L + 64L * s.index.size(), d.spaceUsed(), d.fileId(), d.accessTime(), s.modifyTime,
                s.modifyTime, s.index.fingerprint());
    }

    @Override
    public DirectoryListing list(Node dir) throws NfsException {
        switch (dir.kind()) {
            case PSEUDO:
                return DirectoryListing.positional(List.of(exportComponents.get(dir.depth())));
            case EXPORT_ROOT:
                return storeDirListing();
            default:
                requireDirectory(dir);
                validPath(dir.hashPart());
                DirectoryListing cached = listings.getIfPresent(dir.handle());
                if (cached != null) {
                    return cached;
                }
                DirectoryListing l = DirectoryListing.positional(readDirectory(dir.diskPath()));
                listings.put(dir.handle(), l);
                return l;
        }
    }

    private DirectoryListing storeDirListing() {
        StoreDirState s = storeDirState;
        DirectoryListing l = s.listing;
        if (l == null) {
            List<String> names = new ArrayList<>(s.index.size());
            for (ValidPath vp : s.index.paths()) {
                names.add(vp.path().baseName());
            }
            l = DirectoryListing.byHashCookie(names, StoreExportFileSystem::storeDirCookie);
            s.listing = l;
        }
        return l;
    }

    /** The first 60 bits of the hash part, which is already uniformly random; above the reserved cookies. */
    static long storeDirCookie(String baseName) {
        long c = 0;
        for (int i = 0; i < 12; i++) {
            c = (c << 5) | StorePath.BASE32_ALPHABET.indexOf(baseName.charAt(i));
        }
        return c + DirectoryListing.FIRST_COOKIE;
    }

    private static List<String> readDirectory(Path dir) throws NfsException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            log.error("cannot list {}", dir, e);
            throw new NfsException(NfsStatus.NFS4ERR_IO, e.toString());
        }
        names.sort(null);
        return names;
    }

    @Override
    public String readlink(Node node) throws NfsException {
        if (node.kind() != Node.Kind.STORE_OBJECT || node.attributes().type() != FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "not a symlink");
        }
        validPath(node.hashPart());
        String cached = linkTargets.getIfPresent(node.handle());
        if (cached != null) {
            return cached;
        }
        try {
            String target = Files.readSymbolicLink(node.diskPath()).toString();
            linkTargets.put(node.handle(), target);
            return target;
        } catch (IOException e) {
            log.error("cannot read symlink {}", node.diskPath(), e);
            throw new NfsException(NfsStatus.NFS4ERR_IO, e.toString());
        }
    }

    @Override
    public OpenFile open(Node node) throws NfsException {
        if (node.kind() != Node.Kind.STORE_OBJECT || node.attributes().type() != FileType.REGULAR) {
            FileType t = node.kind() == Node.Kind.STORE_OBJECT ? node.attributes().type() : FileType.DIRECTORY;
            throw new NfsException(t == FileType.DIRECTORY ? NfsStatus.NFS4ERR_ISDIR
                    : t == FileType.SYMLINK ? NfsStatus.NFS4ERR_SYMLINK : NfsStatus.NFS4ERR_INVAL);
        }
        validPath(node.hashPart());
        while (true) {
            OpenFile f = openFiles.get(node.handle(), h -> openChannel(node));
            if (f == null) {
                throw new NfsException(NfsStatus.NFS4ERR_IO, "cannot open " + node.diskPath());
            }
            try {
                return f.retain();
            } catch (io.netty.util.IllegalReferenceCountException raced) {
                // Evicted and closed between get() and retain(): open it again.
                openFiles.asMap().remove(node.handle(), f);
            }
        }
    }

    private OpenFile openChannel(Node node) {
        try {
            // O_NOFOLLOW: the last component is a regular file as far as we know; never follow a
            // symlink that might have been put in its place.
            FileChannel ch = FileChannel.open(node.diskPath(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            return new OpenFile(ch, node.attributes().size());
        } catch (IOException e) {
            log.error("cannot open {}", node.diskPath(), e);
            return null;
        }
    }

    @Override
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
        ValidPath vp = index.current().byHashPart(so.hashPart()).orElse(null);
        return vp == null || cachedNode(fh, vp) != null;
    }

    @Override
    public boolean isLookupCached(Node dir, String name) {
        switch (dir.kind()) {
            case PSEUDO:
                return true;
            case EXPORT_ROOT: {
                ValidPath vp = index.current().byBaseName(name).orElse(null);
                if (vp == null) {
                    return missingPaths.answersAtOnce(name);
                }
                return cachedNode(handles.storeObject(vp.path().hashPart(), ""), vp) != null;
            }
            default:
                return dir.attributes().type() != FileType.DIRECTORY
                        || lookups.getIfPresent(new LookupKey(dir.handle(), name)) != null;
        }
    }

    @Override
    public boolean isOpenCached(Node file) {
        return file.kind() != Node.Kind.STORE_OBJECT || openFiles.getIfPresent(file.handle()) != null;
    }

    @Override
    public DirectoryListing cachedListing(Node dir) {
        return switch (dir.kind()) {
            case PSEUDO -> null;
            case EXPORT_ROOT -> storeDirState.listing;
            case STORE_OBJECT -> listings.getIfPresent(dir.handle());
        };
    }

    @Override
    public boolean isLinkCached(Node link) {
        return link.kind() != Node.Kind.STORE_OBJECT || linkTargets.getIfPresent(link.handle()) != null;
    }

    @Override
    public FsStats fsStats() {
        FsStatsSample s = fsStats;
        long now = System.nanoTime();
        if (now - s.takenAtNanos > TimeUnit.SECONDS.toNanos(1) || s.takenAtNanos == 0) {
            try {
                FileStore fs = Files.getFileStore(storeDir);
                s = new FsStatsSample(new FsStats(fs.getTotalSpace(), fs.getUnallocatedSpace(), fs.getUsableSpace()),
                        now);
                fsStats = s;
            } catch (IOException e) {
                log.warn("cannot read space figures of {}", storeDir, e);
            }
        }
        return s.stats;
    }
}
