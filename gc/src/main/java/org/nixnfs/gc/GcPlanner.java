package org.nixnfs.gc;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * Decides what is dead. Pure: the same inputs give the same plan, so it is tested without Nix,
 * and a dry run shows exactly what a run would do.
 *
 * <p>Live = the closure (by references) of the seeds: paths used within keep-unused, registered
 * within grace, pinned, open, or targets of non-rules_nixpkgs roots; and, as Nix's own GC does
 * by default ({@code keep-derivations}), the derivations that built live paths, with their
 * closures. A rules_nixpkgs root whose
 * target is not live is removed; the dead set is every valid path outside the live set. The dead
 * set is closed under referrers (a referrer of a dead path cannot be live, or the path would be
 * in its closure), so it can be deleted as a whole, referrers first; and a derivation after its
 * outputs, since Nix will not delete a derivation whose outputs are still there.
 */
public final class GcPlanner {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    private final GcPolicy policy;

    public GcPlanner(GcPolicy policy) {
        this.policy = policy;
    }

    public GcPlan plan(GcInputs in) {
        StoreIndex index = in.index();
        long nowMillis = in.now().toEpochMilli();
        long usedSince = nowMillis - policy.keepUnused().toMillis();
        long registeredSince = nowMillis - policy.grace().toMillis();

        List<StorePath> seeds = new ArrayList<>();
        for (ValidPath vp : index.paths()) {
            StorePath p = vp.path();
            if (lastUse(in, p) >= usedSince || vp.registrationTime() * 1000 >= registeredSince
                    || in.pinned().contains(p) || in.openPaths().contains(p.hashPart())) {
                seeds.add(p);
            }
        }
        Map<StorePath, Long> rulesRootTouched = new HashMap<>();
        for (GcRoot r : in.roots()) {
            if (!r.rulesNixpkgs()) {
                seeds.add(r.target());
            } else {
                long touched = r.linkModified().toEpochMilli();
                rulesRootTouched.merge(r.target(), touched, Math::max);
                if (touched >= usedSince) {
                    seeds.add(r.target()); // re-rooted recently: rules_nixpkgs pushed it again
                }
            }
        }
        Set<StorePath> live = keepDerivers(index, index.closure(seeds));

        List<GcRoot> rootsToRemove = in.roots().stream()
                .filter(r -> r.rulesNixpkgs() && !live.contains(r.target()) && index.contains(r.target()))
                .toList();
        List<GcPlan.DeadPath> dead = new ArrayList<>();
        Set<StorePath> deadSet = new HashSet<>();
        for (ValidPath vp : index.paths()) {
            if (!live.contains(vp.path())) {
                deadSet.add(vp.path());
            }
        }
        Map<StorePath, List<StorePath>> outputs = outputsByDeriver(index);
        Map<StorePath, Order> order = order(index, deadSet, outputs, in, rulesRootTouched);
        for (StorePath p : deadSet) {
            ValidPath vp = index.get(p).orElseThrow();
            dead.add(new GcPlan.DeadPath(p, vp.narSize(), vp.registration(), lastUse(in, p),
                    reason(in, vp, rulesRootTouched.get(p))));
        }
        // Least recently used (counting what must go first) first; among equals, referrers first.
        dead.sort(Comparator.<GcPlan.DeadPath>comparingLong(d -> order.get(d.path()).recency())
                .thenComparingInt(d -> order.get(d.path()).depth())
                .thenComparing(GcPlan.DeadPath::path));
        return new GcPlan(in.now(), rootsToRemove, List.copyOf(dead), live.size());
    }

    /** 14d, 1h, 90m, 30s: as operators write them on the command line. */
    static String human(Duration d) {
        long s = d.getSeconds();
        if (s % 86_400 == 0 && s > 0) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0 && s > 0) {
            return s / 3_600 + "h";
        }
        return s % 60 == 0 && s > 0 ? s / 60 + "m" : s + "s";
    }

    /** Adds the valid derivers of live paths and their closures, until nothing more is added. */
    private static Set<StorePath> keepDerivers(StoreIndex index, Set<StorePath> live) {
        Set<StorePath> all = new HashSet<>(live);
        List<StorePath> added = new ArrayList<>(live);
        while (!added.isEmpty()) {
            List<StorePath> derivers = new ArrayList<>();
            for (StorePath p : added) {
                StorePath d = index.get(p).map(ValidPath::deriver).orElse(null);
                if (d != null && !all.contains(d) && index.contains(d)) {
                    derivers.add(d);
                }
            }
            added = new ArrayList<>();
            for (StorePath p : index.closure(derivers)) {
                if (all.add(p)) {
                    added.add(p);
                }
            }
        }
        return all;
    }

    /** Valid outputs per valid derivation. */
    private static Map<StorePath, List<StorePath>> outputsByDeriver(StoreIndex index) {
        Map<StorePath, List<StorePath>> m = new HashMap<>();
        for (ValidPath vp : index.paths()) {
            if (vp.deriver() != null && index.contains(vp.deriver())) {
                m.computeIfAbsent(vp.deriver(), k -> new ArrayList<>()).add(vp.path());
            }
        }
        return m;
    }

    /** What must be deleted before {@code p}: its referrers, and its outputs if it is a derivation. */
    private static List<StorePath> mustGoFirst(StoreIndex index, Map<StorePath, List<StorePath>> outputs, StorePath p) {
        List<StorePath> outs = outputs.get(p);
        if (outs == null) {
            return index.referrersOf(p);
        }
        List<StorePath> all = new ArrayList<>(index.referrersOf(p));
        all.addAll(outs);
        return all;
    }

    private static long lastUse(GcInputs in, StorePath p) {
        return in.lastUse().getOrDefault(p.hashPart(), 0L);
    }

    private String reason(GcInputs in, ValidPath vp, Long rootTouched) {
        long used = lastUse(in, vp.path());
        String use = used > 0 ? "last used " + TIME.format(Instant.ofEpochMilli(used)) : "never used over NFS";
        String why = use + ", registered " + TIME.format(Instant.ofEpochSecond(vp.registrationTime()))
                + " (keep-unused " + human(policy.keepUnused()) + ", grace " + human(policy.grace()) + ")";
        return rootTouched != null ? why + "; its rules_nixpkgs root goes too" : why;
    }

    /** Per dead path: its recency and how many dead referrers are stacked above it. */
    private record Order(long recency, int depth) {
    }

    /**
     * A dead path's recency is the latest use (or registration, or re-root) among itself and
     * everything that must be deleted before it (its dead referrers; a derivation's outputs); ordering by it never puts a
     * path before its referrers. Computed bottom-up over referrers, iteratively (chains can be long).
     */
    private static Map<StorePath, Order> order(StoreIndex index, Set<StorePath> dead,
                                               Map<StorePath, List<StorePath>> outputs, GcInputs in,
                                               Map<StorePath, Long> rootTouched) {
        Map<StorePath, Order> memo = new HashMap<>();
        ArrayDeque<StorePath> stack = new ArrayDeque<>();
        Set<StorePath> visiting = new HashSet<>(); // guards against reference cycles in a corrupt database
        for (StorePath start : dead) {
            stack.push(start);
            while (!stack.isEmpty()) {
                StorePath p = stack.peek();
                if (memo.containsKey(p)) {
                    stack.pop();
                    continue;
                }
                visiting.add(p);
                boolean ready = true;
                List<StorePath> first = mustGoFirst(index, outputs, p);
                for (StorePath r : first) {
                    if (!r.equals(p) && dead.contains(r) && !memo.containsKey(r) && !visiting.contains(r)) {
                        stack.push(r);
                        ready = false;
                    }
                }
                if (!ready) {
                    continue;
                }
                stack.pop();
                visiting.remove(p);
                ValidPath vp = index.get(p).orElseThrow();
                long recency = Math.max(lastUse(in, p), Math.max(rootTouched.getOrDefault(p, 0L),
                        vp.registrationTime() * 1000));
                int depth = 0;
                for (StorePath r : first) {
                    Order o = memo.get(r);
                    if (!r.equals(p) && o != null) {
                        recency = Math.max(recency, o.recency());
                        depth = Math.max(depth, o.depth() + 1);
                    }
                }
                memo.put(p, new Order(recency, depth));
            }
        }
        return memo;
    }
}
