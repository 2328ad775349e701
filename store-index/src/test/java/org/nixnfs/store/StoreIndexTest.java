package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nixnfs.store.testing.NixDbWriter;
import org.nixnfs.store.testing.SyntheticStore;

class StoreIndexTest {
    private final Random random = new Random(42);

    private StorePath path(String name) {
        return NixDbWriter.randomStorePath(random, name);
    }

    private static ValidPath valid(StorePath p, long narSize, StorePath... refs) {
        return new ValidPath(p, 1000, narSize, List.of(refs));
    }

    @Test
    void looksUpByHashPartAndExactBaseName() {
        StorePath a = path("a");
        StoreIndex index = StoreIndex.of(List.of(valid(a, 1)));
        assertEquals(a, index.byHashPart(a.hashPart()).orElseThrow().path());
        assertEquals(a, index.byBaseName(a.baseName()).orElseThrow().path());
        assertTrue(index.byBaseName(a.hashPart() + "-other").isEmpty(), "same hash, other name");
        assertTrue(index.byBaseName(a.baseName() + "/x").isEmpty());
        assertTrue(index.byBaseName("garbage").isEmpty());
        assertTrue(index.byHashPart("0".repeat(32)).isEmpty());
        assertTrue(index.byHashPart(null).isEmpty());
        assertTrue(index.contains(a));
        assertFalse(index.contains(new StorePath(a.hashPart(), "other")));
        assertEquals(1, index.size());
    }

    @Test
    void emptyIndex() {
        StoreIndex empty = StoreIndex.empty();
        assertEquals(0, empty.size());
        assertTrue(empty.paths().isEmpty());
        assertEquals(StoreIndex.of(List.of()).fingerprint(), empty.fingerprint());
        assertTrue(empty.closure(List.of(path("x"))).isEmpty());
        assertEquals(0, empty.totalNarSize());
    }

    @Test
    void lastPathWithAHashPartWins() {
        StorePath a = path("a");
        StorePath a2 = new StorePath(a.hashPart(), "a2");
        StoreIndex index = StoreIndex.of(List.of(valid(a, 1), valid(a2, 2)));
        assertEquals(1, index.size());
        assertEquals(a2, index.byHashPart(a.hashPart()).orElseThrow().path());
    }

    @Test
    void referencesReferrersAndClosures() {
        // glibc <- bash <- script, glibc <- hello, script -> hello; lib refers to itself.
        StorePath glibc = path("glibc");
        StorePath bash = path("bash");
        StorePath hello = path("hello");
        StorePath script = path("script");
        StorePath lonely = path("lonely");
        StorePath missing = path("not-registered");
        StoreIndex index = StoreIndex.of(List.of(
                valid(glibc, 100, glibc),
                valid(bash, 10, glibc),
                valid(hello, 5, glibc, missing),
                valid(script, 1, bash, hello),
                valid(lonely, 7)));

        assertEquals(Set.of(glibc), Set.copyOf(index.referencesOf(glibc)));
        assertEquals(Set.of(glibc, bash, hello), Set.copyOf(index.referrersOf(glibc)));
        assertEquals(List.of(glibc), index.referencesOf(hello), "a reference to an invalid path is no edge");
        assertEquals(List.of(glibc, missing), index.byHashPart(hello.hashPart()).orElseThrow().references(),
                "but ValidPath keeps the references as given");
        assertTrue(index.referencesOf(missing).isEmpty());
        assertTrue(index.referrersOf(missing).isEmpty());
        assertEquals(5, index.referenceCount());

        assertEquals(Set.of(script, bash, hello, glibc), index.closure(List.of(script)));
        assertEquals(Set.of(hello, glibc), index.closure(List.of(hello, missing)));
        assertEquals(Set.of(glibc, bash, hello, script), index.reverseClosure(List.of(glibc)));
        assertEquals(Set.of(bash, script), index.reverseClosure(List.of(bash)));
        assertEquals(Set.of(lonely), index.closure(List.of(lonely)));
        assertTrue(index.closure(List.of(missing)).isEmpty());
        assertTrue(index.closure(List.of()).isEmpty());

        assertEquals(123, index.totalNarSize());
        assertEquals(116, index.narSize(index.closure(List.of(script))));
        assertEquals(100, index.narSize(List.of(glibc, glibc, missing)));
    }

    @Test
    void closureFollowsCyclesWithoutLooping() {
        StorePath a = path("a");
        StorePath b = path("b");
        StorePath c = path("c");
        StoreIndex index = StoreIndex.of(List.of(valid(a, 1, b), valid(b, 1, c), valid(c, 1, a)));
        assertEquals(Set.of(a, b, c), index.closure(List.of(a)));
        assertEquals(Set.of(a, b, c), index.reverseClosure(List.of(b)));
    }

    @Test
    void fingerprintDependsOnTheSetOnly() {
        List<ValidPath> paths = SyntheticStore.generate(200, 4, 7);
        List<ValidPath> shuffled = new ArrayList<>(paths);
        Collections.shuffle(shuffled, random);
        assertEquals(StoreIndex.of(paths).fingerprint(), StoreIndex.of(shuffled).fingerprint());
        assertNotEquals(StoreIndex.of(paths).fingerprint(), StoreIndex.of(paths.subList(1, paths.size())).fingerprint());
    }

    @Test
    void pathsViewIsUnmodifiable() {
        StoreIndex index = StoreIndex.of(List.of(valid(path("a"), 1)));
        try {
            index.paths().clear();
        } catch (UnsupportedOperationException expected) {
            return;
        }
        throw new AssertionError("paths() must not be modifiable");
    }

    /** The incremental path (used by the database watcher) must agree with building from scratch. */
    @Test
    void withChangesMatchesAFreshIndex() {
        List<ValidPath> all = SyntheticStore.generate(3000, 6, 11);
        List<ValidPath> current = new ArrayList<>(all.subList(0, 2000));
        StoreIndex index = StoreIndex.of(current);
        int next = 2000;
        for (int round = 0; round < 20; round++) {
            // Remove some paths nothing (remaining) refers to, as Nix's GC would, and add new ones.
            StoreIndex before = index;
            BitSet removed = new BitSet();
            for (int i = 0; i < index.size(); i++) {
                StorePath p = index.pathAt(i).path();
                Set<StorePath> referrers = new HashSet<>(index.referrersOf(p));
                referrers.remove(p);
                // Odd rounds only add, which takes the append-only path.
                if (round % 2 == 0 && referrers.isEmpty() && random.nextInt(4) == 0) {
                    removed.set(i);
                }
            }
            List<ValidPath> added = new ArrayList<>();
            for (int k = 0; k < 50 && next < all.size(); k++) {
                added.add(all.get(next++));
            }
            List<ValidPath> expected = new ArrayList<>();
            for (int i = 0; i < index.size(); i++) {
                if (!removed.get(i)) {
                    expected.add(index.pathAt(i));
                }
            }
            expected.addAll(added);
            index = applyChanges(index, removed, added);
            StoreIndex fresh = StoreIndex.of(expected);

            assertEquals(fresh.size(), index.size());
            assertEquals(fresh.fingerprint(), index.fingerprint());
            assertEquals(fresh.totalNarSize(), index.totalNarSize());
            assertEquals(fresh.referenceCount(), index.referenceCount());
            assertTrue(fresh.sameContentAs(index));
            for (int probe = 0; probe < 20; probe++) {
                StorePath p = expected.get(random.nextInt(expected.size())).path();
                assertEquals(fresh.referencesOf(p), index.referencesOf(p));
                assertEquals(fresh.referrersOf(p), index.referrersOf(p), "same referrers in the same order");
                assertEquals(fresh.closure(List.of(p)), index.closure(List.of(p)));
                assertEquals(fresh.reverseClosure(List.of(p)), index.reverseClosure(List.of(p)));
            }
            for (int i = removed.nextSetBit(0); i >= 0; i = removed.nextSetBit(i + 1)) {
                assertFalse(index.contains(before.pathAt(i).path()));
            }
        }
    }

    /** Resolves the added paths' references the way the database reader does, then applies. */
    private static StoreIndex applyChanges(StoreIndex index, BitSet removed, List<ValidPath> added) {
        int oldN = index.size();
        int[] start = new int[added.size() + 1];
        List<Integer> targets = new ArrayList<>();
        for (int k = 0; k < added.size(); k++) {
            start[k] = targets.size();
            for (StorePath r : added.get(k).references()) {
                int t = index.positionOf(r);
                if (t < 0) {
                    for (int j = 0; j < added.size(); j++) {
                        if (added.get(j).path().equals(r)) {
                            t = oldN + j;
                        }
                    }
                }
                if (t >= 0) {
                    targets.add(t);
                }
            }
        }
        start[added.size()] = targets.size();
        return index.withChanges(removed, added.toArray(new ValidPath[0]), start,
                targets.stream().mapToInt(Integer::intValue).toArray());
    }
}
