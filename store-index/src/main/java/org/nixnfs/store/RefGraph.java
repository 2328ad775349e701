package org.nixnfs.store;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The reference graph between positions 0..n-1 in compressed sparse row form, both directions.
 * Two int arrays per direction instead of an object per edge: a store of 100,000 paths has on the
 * order of a million references, and this keeps them at 4 bytes each.
 */
final class RefGraph {
    static final RefGraph EMPTY = new RefGraph(0, new int[1], new int[0]);

    /** references of node i are refTargets[refStart[i] .. refStart[i+1]). */
    private final int[] refStart;
    private final int[] refTargets;
    /** referrers of node i are referrerSources[referrerStart[i] .. referrerStart[i+1]). */
    private final int[] referrerStart;
    private final int[] referrerSources;

    /**
     * @param n       number of nodes
     * @param start   n+1 offsets into {@code targets}; node i's references are
     *                targets[start[i] .. start[i+1])
     * @param targets reference targets, each in 0..n-1 (arrays are taken over, not copied)
     */
    RefGraph(int n, int[] start, int[] targets) {
        if (start.length != n + 1 || start[n] != targets.length) {
            throw new IllegalArgumentException("malformed reference graph");
        }
        this.refStart = start;
        this.refTargets = targets;
        this.referrerStart = new int[n + 1];
        this.referrerSources = new int[targets.length];
        invert(n);
    }

    private RefGraph(int[] refStart, int[] refTargets, int[] referrerStart, int[] referrerSources) {
        this.refStart = refStart;
        this.refTargets = refTargets;
        this.referrerStart = referrerStart;
        this.referrerSources = referrerSources;
    }

    /** Counting sort of the edges by target: O(nodes + edges), no per-edge allocation. */
    private void invert(int n) {
        for (int t : refTargets) {
            referrerStart[t + 1]++;
        }
        for (int i = 0; i < n; i++) {
            referrerStart[i + 1] += referrerStart[i];
        }
        int[] fill = new int[n];
        for (int from = 0; from < n; from++) {
            for (int e = refStart[from]; e < refStart[from + 1]; e++) {
                int to = refTargets[e];
                referrerSources[referrerStart[to] + fill[to]++] = from;
            }
        }
    }

    /**
     * The graph after removing the nodes in {@code removed} (the others keep their order) and
     * appending {@code addedCount} new nodes. New nodes' references use the old numbering extended
     * by the new nodes: t &lt; n is old node t, t &ge; n is new node t-n. References to removed
     * nodes are dropped. Costs O(nodes + edges) array work, no re-resolution of paths.
     */
    RefGraph withChanges(BitSet removed, int addedCount, int[] addedStart, int[] addedTargets) {
        if (removed.isEmpty() && addedTargets.length <= refTargets.length / 4) {
            return append(addedCount, addedStart, addedTargets);
        }
        int n = nodeCount();
        int[] renumber = new int[n + addedCount];
        int next = 0;
        for (int i = 0; i < n; i++) {
            renumber[i] = removed.get(i) ? -1 : next++;
        }
        for (int k = 0; k < addedCount; k++) {
            renumber[n + k] = next++;
        }
        int newN = next;
        int[] start = new int[newN + 1];
        int[] targets = new int[refTargets.length + addedTargets.length];
        int m = 0;
        int node = 0;
        for (int i = 0; i < n; i++) {
            if (renumber[i] < 0) {
                continue;
            }
            start[node++] = m;
            for (int e = refStart[i]; e < refStart[i + 1]; e++) {
                int to = renumber[refTargets[e]];
                if (to >= 0) {
                    targets[m++] = to;
                }
            }
        }
        for (int k = 0; k < addedCount; k++) {
            start[node++] = m;
            for (int e = addedStart[k]; e < addedStart[k + 1]; e++) {
                int to = renumber[addedTargets[e]];
                if (to >= 0) {
                    targets[m++] = to;
                }
            }
        }
        start[newN] = m;
        return new RefGraph(newN, start, m == targets.length ? targets : Arrays.copyOf(targets, m));
    }

    /**
     * The graph with new nodes appended and nothing removed: the common case of a refresh (new
     * registrations), done with bulk array copies plus work proportional to the new edges, instead
     * of re-sorting every edge. For few new edges only: it sorts them. The result is identical to building the whole graph afresh
     * (referrers of a node stay in ascending order, since new nodes come after old ones).
     */
    private RefGraph append(int addedCount, int[] addedStart, int[] addedTargets) {
        int n = nodeCount();
        int newN = n + addedCount;
        int edges = refTargets.length;
        int addedEdges = addedStart[addedCount];

        int[] start = Arrays.copyOf(refStart, newN + 1);
        for (int k = 1; k <= addedCount; k++) {
            start[n + k] = edges + addedStart[k];
        }
        int[] targets = Arrays.copyOf(refTargets, edges + addedEdges);
        System.arraycopy(addedTargets, 0, targets, edges, addedEdges);

        // New edges as (target, source) pairs sorted by target, then source.
        long[] byTarget = new long[addedEdges];
        for (int k = 0; k < addedCount; k++) {
            for (int e = addedStart[k]; e < addedStart[k + 1]; e++) {
                byTarget[e] = ((long) addedTargets[e] << 32) | (n + k);
            }
        }
        Arrays.sort(byTarget);

        int[] rStart = new int[newN + 1];
        int[] rSources = new int[edges + addedEdges];
        int shift = 0; // new edges pointing below the current node
        int next = 0; // next entry of byTarget
        int copiedUpTo = 0; // old referrerSources copied so far
        for (int node = 0; node < newN; node++) {
            rStart[node] = (node <= n ? referrerStart[node] : edges) + shift;
            if (next < addedEdges && (int) (byTarget[next] >>> 32) == node) {
                int oldEnd = node < n ? referrerStart[node + 1] : edges;
                System.arraycopy(referrerSources, copiedUpTo, rSources, copiedUpTo + shift, oldEnd - copiedUpTo);
                copiedUpTo = oldEnd;
                while (next < addedEdges && (int) (byTarget[next] >>> 32) == node) {
                    rSources[oldEnd + shift++] = (int) byTarget[next++];
                }
            }
        }
        System.arraycopy(referrerSources, copiedUpTo, rSources, copiedUpTo + shift, edges - copiedUpTo);
        rStart[newN] = edges + addedEdges;
        return new RefGraph(start, targets, rStart, rSources);
    }

    int nodeCount() {
        return refStart.length - 1;
    }

    int edgeCount() {
        return refTargets.length;
    }

    int referenceCount(int node) {
        return refStart[node + 1] - refStart[node];
    }

    int reference(int node, int k) {
        return refTargets[refStart[node] + k];
    }

    int referrerCount(int node) {
        return referrerStart[node + 1] - referrerStart[node];
    }

    int referrer(int node, int k) {
        return referrerSources[referrerStart[node] + k];
    }

    /** Everything reachable from the roots by references (forward) or by referrers (backward), roots included. */
    BitSet reachable(int[] roots, boolean backward) {
        int[] start = backward ? referrerStart : refStart;
        int[] edges = backward ? referrerSources : refTargets;
        BitSet seen = new BitSet(nodeCount());
        int[] stack = new int[Math.max(16, roots.length)];
        int top = 0;
        for (int r : roots) {
            if (!seen.get(r)) {
                seen.set(r);
                stack[top++] = r;
            }
        }
        while (top > 0) {
            int node = stack[--top];
            for (int e = start[node]; e < start[node + 1]; e++) {
                int next = edges[e];
                if (!seen.get(next)) {
                    seen.set(next);
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, stack.length * 2);
                    }
                    stack[top++] = next;
                }
            }
        }
        return seen;
    }
}
