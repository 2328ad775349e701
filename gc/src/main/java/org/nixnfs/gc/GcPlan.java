package org.nixnfs.gc;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * What a GC run would do: remove these rules_nixpkgs roots, then delete these paths, in this
 * order (referrers before what they refer to; least recently used first).
 */
public record GcPlan(Instant evaluatedAt, List<GcRoot> rootsToRemove, List<DeadPath> paths, int livePaths,
                     Map<StorePath, Recovery.Source> recovery) {

    public GcPlan(Instant evaluatedAt, List<GcRoot> rootsToRemove, List<DeadPath> paths, int livePaths) {
        this(evaluatedAt, rootsToRemove, paths, livePaths, Map.of());
    }

    /** The same plan saying, per path, where it can come back from (empty: GC does not require it). */
    public GcPlan withRecovery(Map<StorePath, Recovery.Source> r) {
        return new GcPlan(evaluatedAt, rootsToRemove, paths, livePaths, Map.copyOf(r));
    }

    /**
     * A path to delete and why it is dead.
     *
     * @param registration the registration it was planned under: registered anew since (even
     *                     within the same second), it is not the path that was judged dead
     */
    public record DeadPath(StorePath path, long narSize, ValidPath.Registration registration, long lastUseMillis,
                           String reason) {
    }

    public long totalBytes() {
        return paths.stream().mapToLong(DeadPath::narSize).sum();
    }

    /** The plan's first paths, enough to free {@code bytes} (all of them if that is not enough). */
    public GcPlan limitedTo(long bytes) {
        long sum = 0;
        int n = 0;
        while (n < paths.size() && sum < bytes) {
            sum += paths.get(n++).narSize();
        }
        List<DeadPath> chosen = paths.subList(0, n);
        Set<StorePath> chosenPaths = new HashSet<>();
        chosen.forEach(d -> chosenPaths.add(d.path()));
        List<GcRoot> roots = rootsToRemove.stream().filter(r -> chosenPaths.contains(r.target())).toList();
        return new GcPlan(evaluatedAt, roots, List.copyOf(chosen), livePaths, recovery);
    }
}
