package org.nixnfs.store;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable snapshot of the valid store paths. A refresh builds a new snapshot and swaps it in
 * atomically (see {@link StoreIndexHolder}), so readers never see a half-updated set.
 *
 * <p>Besides lookups by name it answers graph questions for garbage collection and usage tracking:
 * references and referrers of a path, closures in both directions, NAR sizes. Internally every
 * path has a position (an int) and the reference graph is stored as int arrays between positions
 * (see {@link RefGraph}), so a store of 100,000 paths and a million references stays small.
 *
 * <p>References to paths that are not in the snapshot appear in {@link ValidPath#references()} as
 * given, but are not edges of the graph: closures only ever contain valid paths.
 */
public final class StoreIndex {
    private static final StoreIndex EMPTY = new StoreIndex(new ValidPath[0], RefGraph.EMPTY);

    /** position → path; positions are the node numbers of {@link #graph}. */
    private final ValidPath[] paths;
    private final HashPartTable table;
    private final RefGraph graph;
    private final long fingerprint;
    private final long totalNarSize;

    private StoreIndex(ValidPath[] paths, RefGraph graph) {
        this(paths, new HashPartTable(paths), graph, fingerprintOf(paths), narSizeOf(paths));
    }

    private StoreIndex(ValidPath[] paths, HashPartTable table, RefGraph graph, long fingerprint, long totalNarSize) {
        this.paths = paths;
        this.table = table;
        this.graph = graph;
        this.fingerprint = fingerprint;
        this.totalNarSize = totalNarSize;
    }

    /**
     * A snapshot of these paths. If several share a hash part, the last one wins (Nix never
     * registers two such paths). References are resolved by exact store path.
     */
    public static StoreIndex of(Collection<ValidPath> paths) {
        Map<String, ValidPath> unique = new LinkedHashMap<>(paths.size() * 2);
        for (ValidPath p : paths) {
            unique.put(p.path().hashPart(), p);
        }
        ValidPath[] array = unique.values().toArray(new ValidPath[0]);
        HashPartTable lookup = new HashPartTable(array);
        int[] start = new int[array.length + 1];
        int edges = 0;
        for (ValidPath p : array) {
            edges += p.references().size();
        }
        int[] targets = new int[edges];
        int m = 0;
        for (int i = 0; i < array.length; i++) {
            start[i] = m;
            for (StorePath ref : array[i].references()) {
                int t = lookup.find(ref);
                if (t >= 0) {
                    targets[m++] = t;
                }
            }
        }
        start[array.length] = m;
        return new StoreIndex(array, new RefGraph(array.length, start, Arrays.copyOf(targets, m)));
    }

    public static StoreIndex empty() {
        return EMPTY;
    }

    /**
     * A snapshot over already-resolved data, for loaders that know positions (the database
     * loader): {@code paths} must have distinct hash parts and {@code graph} must be over the
     * positions of {@code paths}.
     */
    static StoreIndex ofResolved(ValidPath[] paths, RefGraph graph) {
        if (graph.nodeCount() != paths.length) {
            throw new IllegalArgumentException("graph does not match paths");
        }
        return new StoreIndex(paths, graph);
    }

    /**
     * This snapshot without the paths at the {@code removed} positions and with {@code added}
     * appended (the survivors keep their relative order). {@code addedStart}/{@code addedTargets}
     * give the added paths' references in CSR form, numbered as in
     * {@link RefGraph#withChanges}. The added paths must not share a hash part with each other or
     * with a surviving path.
     */
    StoreIndex withChanges(BitSet removed, ValidPath[] added, int[] addedStart, int[] addedTargets) {
        // Work proportional to the change where possible (fingerprint, NAR size, and with nothing
        // removed also the hash table and graph), so a refresh after one registration stays cheap.
        int removedCount = removed.cardinality();
        ValidPath[] next;
        long f = fingerprint ^ paths.length;
        long nar = totalNarSize;
        int j;
        if (removedCount == 0) {
            next = Arrays.copyOf(paths, paths.length + added.length);
            j = paths.length;
        } else {
            next = new ValidPath[paths.length - removedCount + added.length];
            j = 0;
            for (int i = 0; i < paths.length; i++) {
                if (removed.get(i)) {
                    f ^= fingerprintOf(paths[i].path());
                    nar -= paths[i].narSize();
                } else {
                    next[j++] = paths[i];
                }
            }
        }
        for (ValidPath p : added) {
            next[j++] = p;
            f ^= fingerprintOf(p.path());
            nar += p.narSize();
        }
        f ^= next.length;
        HashPartTable t = removedCount == 0 ? table.extend(next) : new HashPartTable(next);
        RefGraph g = graph.withChanges(removed, added.length, addedStart, addedTargets);
        return new StoreIndex(next, t, g, f, nar);
    }

    /** The valid path with this hash part, if any. */
    public Optional<ValidPath> byHashPart(String hashPart) {
        int i = table.find(hashPart);
        return i < 0 ? Optional.empty() : Optional.of(paths[i]);
    }

    /** The valid path whose base name is exactly {@code baseName}; empty for anything else. */
    public Optional<ValidPath> byBaseName(String baseName) {
        return StorePath.parseBaseName(baseName)
                .flatMap(sp -> byHashPart(sp.hashPart()).filter(v -> v.path().equals(sp)));
    }

    /** The valid path with exactly this store path, if any. */
    public Optional<ValidPath> get(StorePath path) {
        int i = table.find(path);
        return i < 0 ? Optional.empty() : Optional.of(paths[i]);
    }

    public boolean contains(StorePath path) {
        return table.find(path) >= 0;
    }

    /** All valid paths, in no particular order; an unmodifiable view. */
    public Collection<ValidPath> paths() {
        return new AbstractList<>() {
            @Override
            public ValidPath get(int index) {
                return paths[index];
            }

            @Override
            public int size() {
                return paths.length;
            }
        };
    }

    public int size() {
        return paths.length;
    }

    /** Number of references between valid paths (self-references included). */
    public int referenceCount() {
        return graph.edgeCount();
    }

    /** The valid paths {@code path} refers to (possibly itself); empty if it is not valid. */
    public List<StorePath> referencesOf(StorePath path) {
        int i = table.find(path);
        if (i < 0) {
            return List.of();
        }
        StorePath[] out = new StorePath[graph.referenceCount(i)];
        for (int k = 0; k < out.length; k++) {
            out[k] = paths[graph.reference(i, k)].path();
        }
        return List.of(out);
    }

    /** The valid paths that refer to {@code path} (possibly itself); empty if it is not valid. */
    public List<StorePath> referrersOf(StorePath path) {
        int i = table.find(path);
        if (i < 0) {
            return List.of();
        }
        StorePath[] out = new StorePath[graph.referrerCount(i)];
        for (int k = 0; k < out.length; k++) {
            out[k] = paths[graph.referrer(i, k)].path();
        }
        return List.of(out);
    }

    /**
     * The closure of {@code roots}: the valid roots and every valid path reachable from them by
     * references. Roots that are not valid are ignored. What a consumer of the roots needs.
     */
    public Set<StorePath> closure(Collection<StorePath> roots) {
        return toPaths(graph.reachable(positions(roots), false));
    }

    /**
     * The reverse closure of {@code roots}: the valid roots and every valid path that refers to
     * one of them, directly or transitively. What must go before the roots can be deleted.
     */
    public Set<StorePath> reverseClosure(Collection<StorePath> roots) {
        return toPaths(graph.reachable(positions(roots), true));
    }

    /** Sum of the NAR sizes of all valid paths, in bytes. */
    public long totalNarSize() {
        return totalNarSize;
    }

    /** Sum of the NAR sizes of the distinct valid paths among {@code paths}, in bytes. */
    public long narSize(Collection<StorePath> paths) {
        BitSet seen = new BitSet(this.paths.length);
        long total = 0;
        for (StorePath p : paths) {
            int i = table.find(p);
            if (i >= 0 && !seen.get(i)) {
                seen.set(i);
                total += this.paths[i].narSize();
            }
        }
        return total;
    }

    /**
     * A 64-bit value that changes whenever the set of valid paths changes, and is the same for the
     * same set on any server (so replicas agree on the store directory's change attribute).
     */
    public long fingerprint() {
        return fingerprint;
    }

    /**
     * Whether {@code other} holds equal paths (with equal metadata and references) at equal
     * positions: then it can stand in for this one.
     */
    boolean sameContentAs(StoreIndex other) {
        if (other == this) {
            return true;
        }
        if (other.paths.length != paths.length || other.fingerprint != fingerprint
                || other.graph.edgeCount() != graph.edgeCount()) {
            return false;
        }
        for (int i = 0; i < paths.length; i++) {
            if (!paths[i].equals(other.paths[i])) {
                return false;
            }
        }
        return true;
    }

    /** The path at a position; for the database loader, which keeps row ids by position. */
    ValidPath pathAt(int position) {
        return paths[position];
    }

    /** The position of this exact store path, or -1. */
    int positionOf(StorePath path) {
        return table.find(path);
    }

    /** The position of the path with this hash part, or -1. */
    int positionOfHashPart(String hashPart) {
        return table.find(hashPart);
    }

    private int[] positions(Collection<StorePath> roots) {
        int[] out = new int[roots.size()];
        int m = 0;
        for (StorePath r : roots) {
            int i = table.find(r);
            if (i >= 0) {
                out[m++] = i;
            }
        }
        return m == out.length ? out : Arrays.copyOf(out, m);
    }

    private Set<StorePath> toPaths(BitSet positions) {
        Set<StorePath> out = new HashSet<>(Math.max(16, positions.cardinality() * 2));
        for (int i = positions.nextSetBit(0); i >= 0; i = positions.nextSetBit(i + 1)) {
            out.add(paths[i].path());
        }
        return Collections.unmodifiableSet(out);
    }

    private static long narSizeOf(ValidPath[] paths) {
        long total = 0;
        for (ValidPath p : paths) {
            total += p.narSize();
        }
        return total;
    }

    private static long fingerprintOf(ValidPath[] paths) {
        long f = paths.length;
        for (ValidPath p : paths) {
            f ^= fingerprintOf(p.path());
        }
        return f;
    }

    static long fingerprintOf(StorePath p) {
        // FNV-1a over the base name (<hash>-<name>, without building that string), then a final
        // mix, so that XOR-combining stays well spread.
        long h = 0xcbf29ce484222325L;
        h = fnv1a(h, p.hashPart());
        h ^= '-';
        h *= 0x100000001b3L;
        h = fnv1a(h, p.name());
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    private static long fnv1a(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
