package org.nixnfs.server.vfs;

import java.util.Optional;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.store.StoreIndexHolder;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * The store directory's answer to a LOOKUP of a name that is not a valid store path (fault-in):
 * no such entry; DELAY while a {@link MissingPathFetcher} fetches it; or, when the caller may wait
 * (it runs on a worker thread) and the fetcher holds, the path itself once its fetch ends within
 * the hold and the index shows it. Whether it may wait is the caller's to say: only the operation
 * layer knows which thread it runs on, and an event loop must never wait.
 */
final class MissingPaths {
    /** How long a held LOOKUP waits for the index to show a path Nix just registered. */
    private static final long FETCHED_INDEX_WAIT_MILLIS = 1_000;

    private final MissingPathFetcher fetcher;
    private final StoreIndexHolder index;
    /** Notified on every index change: held LOOKUPs wait for their path on it. */
    private final Object indexChange = new Object();

    MissingPaths(MissingPathFetcher fetcher, StoreIndexHolder index) {
        this.fetcher = fetcher;
        this.index = index;
        if (fetcher.holds()) {
            index.addListener(next -> {
                synchronized (indexChange) {
                    indexChange.notifyAll();
                }
            });
        }
    }

    /** Whether {@link #lookup} of this missing name answers without waiting (else it must run on a worker). */
    boolean answersAtOnce(String name) {
        return !fetcher.holds() || StorePath.parseBaseName(name).isEmpty();
    }

    /**
     * The path, once fetched; empty if there is no such path (the caches do not have it, or
     * fault-in is off).
     *
     * @param mayWait the caller is not on an event loop: it may wait for a fetch in progress
     * @throws NfsException NFS4ERR_DELAY while it is being fetched: the client asks again
     */
    Optional<ValidPath> lookup(String name, boolean mayWait) throws NfsException {
        StorePath p = StorePath.parseBaseName(name).orElse(null);
        if (p == null || !fetcher.fetching(p)) {
            return Optional.empty();
        }
        if (mayWait && fetcher.holds()) {
            if (fetcher.awaitFetched(p)) {
                Optional<ValidPath> vp = awaitIndexed(name);
                if (vp.isPresent()) {
                    return vp;
                }
            } else if (!fetcher.fetching(p)) {
                return Optional.empty(); // the caches said no while we waited
            }
        }
        throw new NfsException(NfsStatus.NFS4ERR_DELAY, "fetching " + name);
    }

    /** Waits a bounded time for the index (which follows Nix's database by inotify) to show this path. */
    private Optional<ValidPath> awaitIndexed(String name) {
        long deadline = System.nanoTime() + FETCHED_INDEX_WAIT_MILLIS * 1_000_000;
        synchronized (indexChange) {
            while (true) {
                Optional<ValidPath> vp = index.current().byBaseName(name);
                long left = deadline - System.nanoTime();
                if (vp.isPresent() || left <= 0) {
                    return vp;
                }
                try {
                    indexChange.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }
}
