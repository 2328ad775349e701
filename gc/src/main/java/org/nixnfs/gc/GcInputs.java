package org.nixnfs.gc;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;

/**
 * Everything a GC plan is computed from, captured at one moment.
 *
 * @param index      the valid paths and their references
 * @param lastUse    last NFS access per hash part (milliseconds since the epoch)
 * @param roots      Nix GC roots
 * @param pinned     paths pinned by an operator
 * @param openPaths  hash parts of store paths with files open on executors right now
 * @param now        the time the policy is evaluated at
 */
public record GcInputs(StoreIndex index, Map<String, Long> lastUse, List<GcRoot> roots, Set<StorePath> pinned,
                       Set<String> openPaths, Instant now) {
}
