package org.nixnfs.server.vfs;

import java.time.Duration;
import org.nixnfs.store.StorePath;

/**
 * The store directory's LOOKUP asks this about a well-formed store path name that is not a valid
 * path: is it being fetched (from a binary cache) so that the client should ask again shortly
 * ({@code NFS4ERR_DELAY}; the Linux client retries with backoff), or is there no such path
 * ({@code NFS4ERR_NOENT})? {@link #fetching} may run on the event loop: it answers from memory.
 * When the implementation {@link #holds}, a LOOKUP on a worker thread may also wait a bounded time
 * for the fetch, answering at once when it ends instead of after the client's next retry.
 */
@FunctionalInterface
public interface MissingPathFetcher {
    /** Fault-in off: every missing path is NOENT. */
    MissingPathFetcher NONE = path -> false;

    /** true if {@code path} is being checked or fetched (answer DELAY); false if it does not exist (NOENT). Never blocks. */
    boolean fetching(StorePath path);

    /**
     * Called on a worker thread (never the event loop) after {@link #fetching} said true: waits a
     * bounded time for the fetch to end; true if the path was fetched (it is valid, the index may lag).
     */
    default boolean awaitFetched(StorePath path) {
        return false;
    }

    /** Whether {@link #awaitFetched} may wait: then LOOKUPs of missing names run on a worker thread. */
    default boolean holds() {
        return false;
    }

    /**
     * How long a "no cache has it" answer is remembered (the fetcher's negative TTL); zero if
     * never. The store directory's change attribute moves at this period, so a client that caches
     * "no such file" (lookupcache=all) asks again once the server would give another answer.
     */
    default Duration absenceRemembered() {
        return Duration.ZERO;
    }
}
