package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

class GcPlannerTest {
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    static final long DAY = 86_400;

    // A toolchain: wrapper -> gcc -> glibc; an app -> glibc; an old wrapper -> old gcc -> glibc.
    final StorePath glibc = sp("glibc");
    final StorePath gcc = sp("gcc");
    final StorePath wrapper = sp("cc-wrapper");
    final StorePath oldGcc = sp("gcc-old");
    final StorePath oldWrapper = sp("cc-wrapper-old");
    final StorePath app = sp("app");
    final StorePath fresh = sp("fresh");

    private static int counter;

    /** A store path with a distinct, valid hash part. */
    static StorePath sp(String name) {
        int n = ++counter;
        String a = StorePath.BASE32_ALPHABET;
        return new StorePath("0".repeat(30) + a.charAt(n / 32 % 32) + a.charAt(n % 32), name);
    }

    StoreIndex index() {
        long old = NOW.getEpochSecond() - 100 * DAY;
        return StoreIndex.of(List.of(
                new ValidPath(glibc, old, 100, List.of(glibc)),
                new ValidPath(gcc, old, 200, List.of(glibc)),
                new ValidPath(wrapper, old, 10, List.of(gcc)),
                new ValidPath(oldGcc, old, 300, List.of(glibc)),
                new ValidPath(oldWrapper, old, 20, List.of(oldGcc)),
                new ValidPath(app, old, 5, List.of(glibc)),
                new ValidPath(fresh, NOW.getEpochSecond() - 60, 7, List.of())));
    }

    GcInputs inputs(Map<String, Long> used, List<GcRoot> roots, Set<StorePath> pinned, Set<String> open) {
        return new GcInputs(index(), used, roots, pinned, open, NOW);
    }

    static long daysAgo(int d) {
        return NOW.minus(Duration.ofDays(d)).toEpochMilli();
    }

    static List<StorePath> paths(GcPlan plan) {
        List<StorePath> l = new ArrayList<>();
        plan.paths().forEach(d -> l.add(d.path()));
        return l;
    }

    @Test
    void aRecentlyUsedPathAndItsClosureSurvive() {
        GcPlan plan = new GcPlanner(GcPolicy.defaults()).plan(inputs(Map.of(wrapper.hashPart(), daysAgo(1)), List.of(), Set.of(), Set.of()));
        List<StorePath> dead = paths(plan);
        assertTrue(!dead.contains(wrapper) && !dead.contains(gcc) && !dead.contains(glibc), "closure of a used path is live");
        assertTrue(!dead.contains(fresh), "registered within grace");
        assertEquals(Set.of(oldWrapper, oldGcc, app), Set.copyOf(dead));
        assertTrue(dead.indexOf(oldWrapper) < dead.indexOf(oldGcc), "referrers are deleted first");
        assertEquals(325, plan.totalBytes());
    }

    @Test
    void aDeadRulesNixpkgsRootIsRemovedAndANormalRootKeepsItsClosure() {
        GcRoot deadRoot = new GcRoot(Path.of("/home/u/rules_nixpkgs_gcroots/cc-old"), oldWrapper, true, NOW.minus(Duration.ofDays(30)));
        GcRoot liveRulesRoot = new GcRoot(Path.of("/home/u/rules_nixpkgs_gcroots/cc"), wrapper, true, NOW.minus(Duration.ofDays(2)));
        GcRoot profile = new GcRoot(Path.of("/nix/var/nix/profiles/default"), app, false, Instant.EPOCH);
        GcPlan plan = new GcPlanner(GcPolicy.defaults()).plan(inputs(Map.of(), List.of(deadRoot, liveRulesRoot, profile), Set.of(), Set.of()));
        assertEquals(List.of(deadRoot), plan.rootsToRemove());
        assertEquals(Set.of(oldWrapper, oldGcc), Set.copyOf(paths(plan)), "a re-rooted wrapper and a profile keep their closures");
    }

    @Test
    void pinnedAndOpenPathsAreLive() {
        GcPlan plan = new GcPlanner(GcPolicy.defaults()).plan(inputs(Map.of(), List.of(), Set.of(oldWrapper), Set.of(app.hashPart())));
        assertEquals(Set.of(wrapper, gcc), Set.copyOf(paths(plan)));
    }

    @Test
    void keepUnusedDecides() {
        Map<String, Long> used = new HashMap<>();
        used.put(wrapper.hashPart(), daysAgo(20));
        assertTrue(paths(new GcPlanner(GcPolicy.defaults()).plan(inputs(used, List.of(), Set.of(), Set.of()))).contains(wrapper));
        GcPolicy month = GcPolicy.defaults().withKeepUnused(Duration.ofDays(30));
        assertTrue(!paths(new GcPlanner(month).plan(inputs(used, List.of(), Set.of(), Set.of()))).contains(wrapper));
    }

    @Test
    void leastRecentlyUsedGoFirstAndLimitsTakeAPrefix() {
        Map<String, Long> used = Map.of(app.hashPart(), daysAgo(15), oldWrapper.hashPart(), daysAgo(40),
                wrapper.hashPart(), daysAgo(20));
        GcPlan plan = new GcPlanner(GcPolicy.defaults()).plan(inputs(used, List.of(), Set.of(), Set.of()));
        List<StorePath> order = paths(plan);
        assertEquals(List.of(oldWrapper, oldGcc), order.subList(0, 2), "the old toolchain was used longest ago");
        assertTrue(order.indexOf(app) < order.indexOf(glibc) && order.indexOf(gcc) < order.indexOf(glibc),
                "glibc goes after everything that refers to it");
        assertEquals(List.of(oldWrapper), paths(plan.limitedTo(15)));
    }
}
