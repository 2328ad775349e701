package org.nixnfs.gc;

import java.io.IOException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GC as the server runs it: gathers the facts (index, usage, roots, pins, open files), plans,
 * and runs one collection at a time. Used for scheduled runs, the admin API and the CLI.
 */
public final class GcService {
    private static final Logger log = LoggerFactory.getLogger(GcService.class);

    /**
     * What the server knows that GC must respect. {@code openPaths}: paths with files open on
     * clients; {@code recallable}: paths held by delegations, live until recalled: a run recalls
     * them on the paths it is about to delete (see {@link #collect(long)}).
     */
    public record Facts(Supplier<StoreIndex> index, Supplier<Map<String, Long>> lastUse, Supplier<Set<String>> openPaths,
                        Recallable recallable) {
        public Facts(Supplier<StoreIndex> index, Supplier<Map<String, Long>> lastUse, Supplier<Set<String>> openPaths) {
            this(index, lastUse, openPaths, Recallable.NONE);
        }
    }

    /**
     * Told about every collection, of this service and of the copies {@link #with} makes (metrics
     * hook on). Called on the collecting thread, after the run; must not block.
     */
    public interface Listener {
        default void runFinished(GcRunResult result) {
        }

        default void runFailed(Exception failure) {
        }
    }

    private final GcPolicy policy;
    private final NixStoreCommand nix;
    private final Facts facts;
    private final PinStore pins;
    private final Clock clock;
    private final Consumer<List<String>> forgetUsage;
    /** Shared with every copy {@link #with} makes: one run at a time, whatever policy it judges by. */
    private final Object runLock;
    private final AtomicReference<GcRunResult> lastRun = new AtomicReference<>();
    private final AtomicReference<Exception> lastFailure = new AtomicReference<>();
    private final List<Listener> listeners;
    private final Recovery recovery;

    public GcService(GcPolicy policy, NixStoreCommand nix, Facts facts, PinStore pins, Clock clock,
                     Consumer<List<String>> forgetUsage) {
        this(policy, nix, facts, pins, clock, forgetUsage, null);
    }

    /**
     * @param recovery when not null, GC deletes a path only once it can come back (from a substituter or
     *                 the cold tier, copying it there first), and plans say where each would come back from
     */
    public GcService(GcPolicy policy, NixStoreCommand nix, Facts facts, PinStore pins, Clock clock,
                     Consumer<List<String>> forgetUsage, Recovery recovery) {
        this(policy, nix, facts, pins, clock, forgetUsage, new CopyOnWriteArrayList<>(), new Object(), recovery);
    }

    private GcService(GcPolicy policy, NixStoreCommand nix, Facts facts, PinStore pins, Clock clock,
                      Consumer<List<String>> forgetUsage, List<Listener> listeners, Object runLock, Recovery recovery) {
        this.recovery = recovery;
        this.listeners = listeners;
        this.runLock = runLock;
        this.policy = policy;
        this.nix = nix;
        this.facts = facts;
        this.pins = pins;
        this.clock = clock;
        this.forgetUsage = forgetUsage;
    }

    public GcPolicy policy() {
        return policy;
    }

    /** The same service judging by another policy or at another time (dry runs asking "what if"). */
    public GcService with(GcPolicy otherPolicy, Clock otherClock) {
        return new GcService(otherPolicy, nix, facts, pins, otherClock, forgetUsage, listeners, runLock, recovery);
    }

    /** Adds a listener to this service and every copy made by {@link #with}, before or after. */
    public void addListener(Listener l) {
        listeners.add(l);
    }

    public PinStore pins() {
        return pins;
    }

    /** The plan a run would carry out now; with recovery required, where each path would come back from. */
    public GcPlan plan() throws IOException {
        GcPlan p = plan(facts.lastUse().get());
        return recovery == null ? p : p.withRecovery(recovery.whereFrom(p.paths().stream().map(GcPlan.DeadPath::path).toList()));
    }

    private GcPlan plan(Map<String, Long> lastUse) throws IOException {
        GcInputs in = new GcInputs(facts.index().get(), lastUse, nix.roots(), pins.pins(), facts.openPaths().get(),
                clock.instant());
        return new GcPlanner(policy).plan(in);
    }

    /** Plans and collects everything dead. */
    public GcRunResult collect() throws IOException {
        return collect(Long.MAX_VALUE);
    }

    /** Plans and collects the least recently used dead paths, up to about {@code bytes}. */
    public GcRunResult collect(long bytes) throws IOException {
        synchronized (runLock) {
            try {
                Map<String, Long> usedAtPlan = facts.lastUse().get();
                GcPlan plan = plan(usedAtPlan);
                GcPlan chosen = bytes == Long.MAX_VALUE ? plan : plan.limitedTo(bytes);
                Set<String> recalled = recallHolds(chosen);
                GcRunResult r;
                try {
                    r = new GcRunner(nix, policy.batchSize(), recovery).run(chosen,
                            planned -> revived(planned, usedAtPlan), clock::instant);
                } finally {
                    facts.recallable().recallDone(recalled);
                }
                if (recovery != null && recovery.coldTier() != null) {
                    ColdTierPruner.prune(recovery.coldTier());
                }
                if (!r.deleted().isEmpty()) {
                    forgetUsage.accept(r.deleted().stream().map(d -> d.path().hashPart()).toList());
                }
                lastRun.set(r);
                lastFailure.set(null);
                tell(l -> l.runFinished(r));
                return r;
            } catch (IOException | RuntimeException e) {
                lastFailure.set(e);
                tell(l -> l.runFailed(e));
                throw e;
            }
        }
    }

    /**
     * Recalls the holds (delegations) on the planned paths and waits for their release: a path
     * still held after that is live, so the run then stops before it (see {@link #revived}).
     */
    private Set<String> recallHolds(GcPlan chosen) throws IOException {
        Set<String> held = facts.recallable().held();
        Set<String> toRecall = new HashSet<>();
        for (GcPlan.DeadPath d : chosen.paths()) {
            if (held.contains(d.path().hashPart())) {
                toRecall.add(d.path().hashPart());
            }
        }
        if (toRecall.isEmpty()) {
            return toRecall;
        }
        log.info("recalling the delegations on {} planned paths before deleting them", toRecall.size());
        try {
            facts.recallable().recall(toRecall);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            facts.recallable().recallDone(toRecall);
            throw new IOException("interrupted while recalling delegations", e);
        }
        return toRecall;
    }

    private void tell(Consumer<Listener> event) {
        for (Listener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                log.warn("GC listener failed: {}", e.toString());
            }
        }
    }

    /** Planned paths that are not dead any more: used, re-registered, opened or pinned since planning. */
    private Set<StorePath> revived(List<GcPlan.DeadPath> planned, Map<String, Long> usedAtPlan) {
        StoreIndex index = facts.index().get();
        Map<String, Long> usedNow = facts.lastUse().get();
        Set<String> open = new HashSet<>(facts.openPaths().get());
        open.addAll(facts.recallable().held());
        Set<StorePath> pinned = pins.pins();
        Set<StorePath> revived = new HashSet<>();
        for (GcPlan.DeadPath d : planned) {
            String h = d.path().hashPart();
            Optional<ValidPath> vp = index.get(d.path());
            boolean reRegistered = vp.isPresent() && !vp.get().registration().equals(d.registration());
            if (!usedNow.getOrDefault(h, 0L).equals(usedAtPlan.getOrDefault(h, 0L)) || reRegistered
                    || open.contains(h) || pinned.contains(d.path())) {
                revived.add(d.path());
            }
        }
        return revived;
    }

    public Optional<GcRunResult> lastRun() {
        return Optional.ofNullable(lastRun.get());
    }

    public Optional<Exception> lastFailure() {
        return Optional.ofNullable(lastFailure.get());
    }

    /**
     * Scheduled runs: when free space is below the low watermark, collect the least recently used
     * dead paths until the high watermark would be reached.
     */
    public Optional<GcRunResult> collectIfLowOnSpace(long totalBytes, long freeBytes) {
        double freePercent = totalBytes == 0 ? 100 : 100.0 * freeBytes / totalBytes;
        if (freePercent >= policy.lowWatermarkPercent()) {
            return Optional.empty();
        }
        long needed = (long) (totalBytes * policy.highWatermarkPercent() / 100) - freeBytes;
        log.info("free space {}% is below the low watermark {}%: collecting about {}", String.format("%.1f", freePercent),
                policy.lowWatermarkPercent(), GcRunResult.humanBytes(needed));
        try {
            return Optional.of(collect(needed));
        } catch (IOException | RuntimeException e) {
            log.error("scheduled GC failed: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
