package org.nixnfs.server.vfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * The store directory as the index shows it: exactly the valid store paths, never what else is
 * on disk (a path Nix is still copying, one being deleted). Its listing and change attribute
 * follow each new index snapshot; nothing here touches the disk.
 */
final class StoreDirectory {
    private final StoreIndexHolder index;
    private final Attributes diskAttributes;
    private volatile Snapshot snapshot;

    /** The store directory as of one index snapshot: its change attribute, mtime and (lazily) listing. */
    private static final class Snapshot {
        final StoreIndex index;
        final long modifyTime;
        volatile DirectoryListing listing;

        Snapshot(StoreIndex index, long modifyTime) {
            this.index = index;
            this.modifyTime = modifyTime;
        }
    }

    /** @param diskAttributes the store directory's attributes on disk (mode, owner, file id) */
    StoreDirectory(StoreIndexHolder index, Attributes diskAttributes) {
        this.index = index;
        this.diskAttributes = diskAttributes;
        this.snapshot = new Snapshot(index.current(), diskAttributes.modifyTime());
        index.addListener(this::indexChanged);
    }

    private void indexChanged(StoreIndex next) {
        Snapshot prev = snapshot;
        if (next.fingerprint() != prev.index.fingerprint()) {
            snapshot = new Snapshot(next, Math.max(System.currentTimeMillis() * 1_000_000L, prev.modifyTime + 1));
        }
    }

    /**
     * The valid store path that {@code name} names in the store directory (LOOKUP); empty for
     * anything else.
     *
     * <p>This is where fetching a missing path on LOOKUP belongs: a well-formed store path name
     * ({@link StorePath#parseBaseName}) that is not valid yet could be substituted here before
     * the answer; {@link ExportFileSystem#isLookupCached} must then send such a LOOKUP to a worker
     * thread, as it does for one that reads the disk.
     */
    Optional<ValidPath> lookup(String name) {
        return index.current().byBaseName(name);
    }

    /** The valid store path with this hash part (a file handle into it); empty once it is deleted. */
    Optional<ValidPath> byHashPart(String hashPart) {
        return index.current().byHashPart(hashPart);
    }

    /**
     * Its attributes: mode and owner from disk; size, mtime and change from the index, so clients
     * revalidate their cached listing exactly when the set of valid paths changes.
     */
    Attributes attributes() {
        Snapshot s = snapshot;
        Attributes d = diskAttributes;
        return new Attributes(FileType.DIRECTORY, d.mode(), d.numLinks(), d.uid(), d.gid(),
                4096L + 64L * s.index.size(), d.spaceUsed(), d.fileId(), d.accessTime(), s.modifyTime,
                s.modifyTime, s.index.fingerprint());
    }

    /** The valid store paths' base names, in cookie order; built once per index snapshot. */
    DirectoryListing listing() {
        Snapshot s = snapshot;
        DirectoryListing l = s.listing;
        if (l == null) {
            List<String> names = new ArrayList<>(s.index.size());
            for (ValidPath vp : s.index.paths()) {
                names.add(vp.path().baseName());
            }
            l = DirectoryListing.byHashCookie(names, StoreDirectory::cookie);
            s.listing = l;
        }
        return l;
    }

    /** The listing if it is built for the current snapshot, else null. */
    DirectoryListing cachedListing() {
        return snapshot.listing;
    }

    /** The first 60 bits of the hash part, which is already uniformly random; above the reserved cookies. */
    static long cookie(String baseName) {
        long c = 0;
        for (int i = 0; i < 12; i++) {
            c = (c << 5) | StorePath.BASE32_ALPHABET.indexOf(baseName.charAt(i));
        }
        return c + DirectoryListing.FIRST_COOKIE;
    }
}
