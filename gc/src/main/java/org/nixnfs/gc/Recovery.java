package org.nixnfs.gc;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.nixnfs.fetch.FetchMetrics;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.fetch.NarinfoAnswer;
import org.nixnfs.fetch.NarinfoLookup;
import org.nixnfs.fetch.NixCommands;
import org.nixnfs.store.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a dead path can come back before GC deletes it: either a substituter (or the cold
 * tier) already has its narinfo, or it is copied to the cold tier first ({@code nix copy --to},
 * which copies its closure). A path that cannot be made recoverable is not deleted.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    private static final Duration COPY_TIMEOUT = Duration.ofHours(1);
    /** How long GC waits for the substituters to answer anything before it gives up on the paths still waiting. */
    static final Duration NO_PROGRESS = Duration.ofSeconds(60);
    static final int BATCH_IN_FLIGHT = 25;
    static final int BATCH_PER_SECOND = 500;

    /** What GC may do with a dead path, as far as coming back goes. */
    public enum Kind {
        /** A substituter (or the cold tier) has it: delete it as it is. */
        ON_CACHE,
        /** No substituter has it (or they could not be asked): copy it to the cold tier, then delete it. */
        COPY_TO_COLD_TIER,
        /**
         * A derivation ({@code .drv}): executors read only outputs, and an output comes back from a cache
         * without its derivation, so it need not come back (and must not fill the cold tier).
         */
        NOT_NEEDED,
        /** No substituter has it and there is no cold tier: keep it. */
        NOT_RECOVERABLE,
        /** The substituters could not be asked (failing, or not within the time allowed) and there is no cold tier: keep it. */
        UNKNOWN
    }

    /**
     * Where a path can come back from.
     *
     * @param from   the cache that has it, or the cold tier it is copied to; null otherwise
     * @param detail why the caches could not be asked ({@link Kind#UNKNOWN}, or a copy made because of it)
     */
    public record Source(Kind kind, String from, String detail) {
        static Source onCache(URI cache) {
            return new Source(Kind.ON_CACHE, cache.toString(), null);
        }

        /** GC may delete the path (once copied, when {@link #needsCopy}). */
        public boolean recoverable() {
            return kind == Kind.ON_CACHE || kind == Kind.COPY_TO_COLD_TIER || kind == Kind.NOT_NEEDED;
        }

        public boolean needsCopy() {
            return kind == Kind.COPY_TO_COLD_TIER;
        }

        /** The verdict in a word or two, as the dry run prints it. */
        public String label() {
            return switch (kind) {
                case ON_CACHE, COPY_TO_COLD_TIER -> "recoverable";
                case NOT_NEEDED -> "not needed";
                case NOT_RECOVERABLE -> "KEPT";
                case UNKNOWN -> "UNKNOWN, KEPT";
            };
        }

        public String describe() {
            return switch (kind) {
                case ON_CACHE -> "from " + from;
                case COPY_TO_COLD_TIER -> "copied to the cold tier " + from + " first"
                        + (detail == null ? "" : " (the substituters could not be asked: " + detail + ")");
                case NOT_NEEDED -> "a derivation: executors read only outputs, which come back without it";
                case NOT_RECOVERABLE -> "not recoverable (no substituter has it and there is no cold tier)";
                case UNKNOWN -> "not checked (" + detail + ")";
            };
        }
    }

    private final NarinfoLookup narinfo;
    private final ColdTier coldTier;
    private final NixCommands nix;
    private final Consumer<StorePath> copied;

    public Recovery(NarinfoLookup narinfo, ColdTier coldTier, NixCommands nix) {
        this(narinfo, coldTier, nix, p -> { });
    }

    /**
     * @param narinfo  asks the substituters and the cold tier for a path's narinfo (GC's own lookup, so
     *                 that its many questions never use up the rate fault-in answers executors with)
     * @param coldTier where to copy paths no substituter has; null for none
     * @param copied   told of every path copied to the cold tier (fault-in forgets "not on any cache")
     */
    public Recovery(NarinfoLookup narinfo, ColdTier coldTier, NixCommands nix,
                    Consumer<StorePath> copied) {
        this.narinfo = narinfo;
        this.coldTier = coldTier;
        this.nix = nix;
        this.copied = copied;
    }

    /**
     * GC's check against these caches (the server's and {@code gc --standalone}'s alike): its own narinfo lookup, with limits for a batch job (see
     * {@link #forBatch}), so that GC's many questions never use up the rate fault-in answers
     * executors with, and a large store's dry run does not crawl at fault-in's rate.
     *
     * @param caches the substituters (the cold tier last) and their trusted keys
     * @param io     runs the lookups; the caller shuts it down
     */
    public static Recovery forCaches(FetchSettings caches, ColdTier coldTier, NixCommands nix, FetchMetrics metrics,
                                     ExecutorService io, Consumer<StorePath> copied) {
        return new Recovery(NarinfoLookup.create(forBatch(caches), nix, metrics, io), coldTier, nix, copied);
    }

    /**
     * The same caches with narinfo limits for GC: {@value #BATCH_IN_FLIGHT} requests at once (Nix's own
     * default {@code http-connections}), at most {@value #BATCH_PER_SECOND} started a second. Fault-in's
     * limits (16, 50/s) guard against a flood of random names from executors; GC asks only about paths
     * that are in the store, a known number, so it may go as fast as Nix would.
     */
    public static FetchSettings forBatch(FetchSettings caches) {
        return caches.withNarinfoLimits(BATCH_IN_FLIGHT, BATCH_PER_SECOND);
    }

    /** Where the path would come back from, without copying anything (the dry run). */
    public Source whereFrom(StorePath p) {
        return whereFrom(List.of(p)).get(p);
    }

    /**
     * Per path, where it can come back from, without copying anything (the plan shows it). The
     * substituters are asked about many paths at once, as many as the lookup's limits let through;
     * a path it refuses for now is asked again once an answer frees a place. If no answer comes for
     * {@link #NO_PROGRESS}, the paths still waiting are {@link Kind#UNKNOWN} (or copied to the cold tier).
     */
    public Map<StorePath, Source> whereFrom(List<StorePath> paths) {
        Map<StorePath, Source> found = new HashMap<>();
        ArrayDeque<StorePath> todo = new ArrayDeque<>();
        for (StorePath p : new LinkedHashSet<>(paths)) {
            if (isDerivation(p)) {
                found.put(p, new Source(Kind.NOT_NEEDED, null, null));
            } else {
                todo.add(p);
            }
        }
        Map<StorePath, CompletableFuture<NarinfoAnswer>> asked = new HashMap<>();
        long lastAnswer = System.nanoTime();
        while (!todo.isEmpty() || !asked.isEmpty()) {
            while (!todo.isEmpty()) {
                CompletableFuture<NarinfoAnswer> f = narinfo.lookup(todo.peek());
                if (f.isDone() && answer(f).result() == NarinfoAnswer.Result.THROTTLED) {
                    break; // the lookup is full: wait for answers (or tokens)
                }
                asked.put(todo.poll(), f);
            }
            boolean answered = false;
            for (var it = asked.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().isDone()) {
                    it.remove();
                    answered = true;
                    NarinfoAnswer a = answer(e.getValue());
                    if (a.result() == NarinfoAnswer.Result.THROTTLED) {
                        todo.add(e.getKey());
                    } else {
                        found.put(e.getKey(), source(e.getKey(), a));
                    }
                }
            }
            if (answered) {
                lastAnswer = System.nanoTime();
            } else if (System.nanoTime() - lastAnswer > NO_PROGRESS.toNanos()) {
                String why = "no answer from the substituters within " + NO_PROGRESS.toSeconds() + " s";
                asked.keySet().forEach(p -> found.put(p, source(p, NarinfoAnswer.error(why))));
                todo.forEach(p -> found.put(p, source(p, NarinfoAnswer.error(why))));
                break;
            } else {
                awaitAny(asked.values());
            }
        }
        Map<StorePath, Source> inOrder = new LinkedHashMap<>();
        paths.forEach(p -> inOrder.put(p, found.get(p)));
        return inOrder;
    }

    /**
     * Makes these paths recoverable (copying to the cold tier what no cache has) and returns those
     * that GC may delete; the others must not be deleted, with the reason in {@code failures}.
     */
    public List<StorePath> ensure(List<StorePath> paths, List<String> failures) {
        List<StorePath> ok = new ArrayList<>();
        List<StorePath> toCopy = new ArrayList<>();
        whereFrom(paths).forEach((p, s) -> {
            if (!s.recoverable()) {
                failures.add(p + ": " + s.describe() + ", kept");
            } else if (s.needsCopy()) {
                toCopy.add(p);
            } else {
                ok.add(p);
            }
        });
        if (!toCopy.isEmpty()) {
            if (copy(toCopy)) {
                ok.addAll(toCopy);
            } else {
                for (StorePath p : toCopy) { // one by one: one failing path must not hold back the others
                    if (copy(List.of(p))) {
                        ok.add(p);
                    } else {
                        failures.add(p + ": copying it to the cold tier failed, kept");
                    }
                }
            }
        }
        return ok;
    }

    /** A derivation: Nix names them so, and nothing else ends in {@code .drv} in a store. */
    static boolean isDerivation(StorePath p) {
        return p.name().endsWith(".drv");
    }

    private Source source(StorePath p, NarinfoAnswer a) {
        if (a.result() == NarinfoAnswer.Result.FOUND && a.narinfo().storePath().equals(p)) {
            return Source.onCache(a.cache());
        }
        String problem = a.result() == NarinfoAnswer.Result.ERROR ? a.detail() : null;
        if (coldTier != null) {
            return new Source(Kind.COPY_TO_COLD_TIER, coldTier.url().toString(), problem);
        }
        return problem != null ? new Source(Kind.UNKNOWN, null, problem) : new Source(Kind.NOT_RECOVERABLE, null, null);
    }

    private static NarinfoAnswer answer(CompletableFuture<NarinfoAnswer> f) {
        try {
            return f.join();
        } catch (RuntimeException e) {
            return NarinfoAnswer.error(String.valueOf(e.getMessage()));
        }
    }

    /** Until one of these answers, or briefly (tokens of the rate limit come back with time). */
    private static void awaitAny(Collection<CompletableFuture<NarinfoAnswer>> pending) {
        try {
            if (pending.isEmpty()) {
                Thread.sleep(10);
            } else {
                CompletableFuture.anyOf(pending.toArray(new CompletableFuture<?>[0])).get(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the substituters", e);
        } catch (ExecutionException | TimeoutException e) {
            // an answer (even a failure) or nothing yet: the caller looks again
        }
    }

    private boolean copy(List<StorePath> paths) {
        try {
            NixCommands.Result r = nix.copyTo(coldTier.copyUrl(), paths, COPY_TIMEOUT);
            if (r.ok()) {
                log.info("copied {} paths to the cold tier {}", paths.size(), coldTier.url());
                paths.forEach(p -> {
                    narinfo.forget(p.hashPart()); // "not there" was remembered a moment ago
                    copied.accept(p);
                });
                return true;
            }
            log.warn("nix copy --to {} of {} paths failed: {}", coldTier.url(), paths.size(), r.errorLine());
        } catch (IOException e) {
            log.warn("nix copy --to {} failed: {}", coldTier.url(), e.getMessage());
        }
        return false;
    }

    public ColdTier coldTier() {
        return coldTier;
    }
}
