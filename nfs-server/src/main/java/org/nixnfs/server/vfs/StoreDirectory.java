package org.nixnfs.server.vfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * The store directory as the index shows it: exactly the valid store paths, never what else is
 * on disk (a path Nix is still copying, one being deleted). Its listing and change attribute
 * follow each new index snapshot; nothing here touches the disk. A LOOKUP of a well-formed name
 * that is not valid asks {@link MissingPaths} (fault-in: fetch it from a binary cache).
 */
final class StoreDirectory {
    /**
     * Mixed into the change attribute when fault-in is on. Clients that cache "no such file"
     * (README's lookupcache=all) keep it until this attribute changes; a server restarted with
     * fault-in on answers those names differently for the same valid paths, so its attribute
     * must differ from the one it gave with fault-in off.
     */
    static final long FAULT_IN_CHANGE = 0x6661756c74696eL; // "faultin"
    /** Spreads the absence period's number over the attribute's bits (the golden-ratio constant). */
    private static final long PERIOD_MIX = 0x9E3779B97F4A7C15L;

    private final StoreIndexHolder index;
    private final Attributes diskAttributes;
    private final MissingPaths missingPaths;
    private final boolean faultIn;
    private final long absencePeriodMillis;
    private final LongSupplier wallClockMillis;
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

    /**
     * @param diskAttributes the store directory's attributes on disk (mode, owner, file id)
     * @param fetcher        asked about well-formed names that are not valid (fault-in); {@link MissingPathFetcher#NONE}: NOENT
     */
    StoreDirectory(StoreIndexHolder index, Attributes diskAttributes, MissingPathFetcher fetcher) {
        this(index, diskAttributes, fetcher, System::currentTimeMillis);
    }

    StoreDirectory(StoreIndexHolder index, Attributes diskAttributes, MissingPathFetcher fetcher,
                   LongSupplier wallClockMillis) {
        this.index = index;
        this.diskAttributes = diskAttributes;
        this.missingPaths = new MissingPaths(fetcher, index);
        this.faultIn = fetcher != MissingPathFetcher.NONE;
        this.absencePeriodMillis = fetcher.absenceRemembered().toMillis();
        this.wallClockMillis = wallClockMillis;
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
     * anything else. A well-formed store path name that is not valid goes to fault-in: it may
     * be fetched and returned (when the caller may wait and the fetcher holds), or answered DELAY.
     *
     * @param mayWait the caller is not on an event loop: it may wait for a fetch in progress
     * @throws NfsException NFS4ERR_DELAY while the path is being fetched
     */
    Optional<ValidPath> lookup(String name, boolean mayWait) throws NfsException {
        Optional<ValidPath> vp = index.current().byBaseName(name);
        return vp.isPresent() ? vp : missingPaths.lookup(name, mayWait);
    }

    /**
     * {@link #lookup} on the event loop (never waiting), or null for a missing name fault-in may
     * hold (until its fetch ends): that LOOKUP must run on a worker thread.
     */
    Optional<ValidPath> lookupInMemory(String name) throws NfsException {
        Optional<ValidPath> vp = index.current().byBaseName(name);
        if (vp.isPresent()) {
            return vp;
        }
        return missingPaths.answersAtOnce(name) ? missingPaths.lookup(name, false) : null;
    }

    /** The valid store path with this hash part (a file handle into it); empty once it is deleted. */
    Optional<ValidPath> byHashPart(String hashPart) {
        return index.current().byHashPart(hashPart);
    }

    /**
     * Its attributes: mode and owner from disk; size, mtime and change from the index, so clients
     * revalidate their cached listing exactly when the set of valid paths changes (or fault-in
     * is turned on or off: {@link #FAULT_IN_CHANGE}, or its "no cache has it" answers expire:
     * {@link #faultInChange}).
     */
    Attributes attributes() {
        Snapshot s = snapshot;
        Attributes d = diskAttributes;
        return new Attributes(FileType.DIRECTORY, d.mode(), d.numLinks(), d.uid(), d.gid(),
                4096L + 64L * s.index.size(), d.spaceUsed(), d.fileId(), d.accessTime(), s.modifyTime,
                s.modifyTime, s.index.fingerprint() ^ faultInChange());
    }

    /**
     * With fault-in, a name answered "no such file" may exist once the fetcher forgets that no
     * cache had it (a path published later, a replica asked before the primary published). The
     * attribute therefore also moves once per {@link MissingPathFetcher#absenceRemembered} period,
     * counted on the wall clock so that replicas agree; a client caching "no such file" then
     * asks again within that period plus its acdirmax. Costs a client one LOOKUP per store path
     * it uses, per period.
     */
    private long faultInChange() {
        if (!faultIn) {
            return 0;
        }
        long period = absencePeriodMillis > 0 ? wallClockMillis.getAsLong() / absencePeriodMillis : 0;
        return FAULT_IN_CHANGE ^ (period * PERIOD_MIX);
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
