package org.nixnfs.server.vfs;

import org.nixnfs.store.StorePath;

/**
 * The store directory's LOOKUP asks this about a well-formed store path name that is not a valid
 * path: is it being fetched (from a binary cache) so that the client should ask again shortly
 * ({@code NFS4ERR_DELAY}; the Linux client retries with backoff), or is there no such path
 * ({@code NFS4ERR_NOENT})? Runs on the event loop: it must answer from memory, never wait.
 */
@FunctionalInterface
public interface MissingPathFetcher {
    /** Fault-in off: every missing path is NOENT. */
    MissingPathFetcher NONE = path -> false;

    /** true if {@code path} is being checked or fetched (answer DELAY); false if it does not exist (NOENT). */
    boolean fetching(StorePath path);
}
