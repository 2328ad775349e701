package org.nixnfs.fetch;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.nixnfs.store.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches store paths that are not in the store from binary caches, on demand, through Nix.
 *
 * <p>{@link #request} is what a LOOKUP asks, and it never blocks: it answers from memory
 * ({@code FETCHING}: ask again shortly; {@code ABSENT}: no such path) and starts what is needed
 * in the background: a narinfo check ({@link NarinfoLookup}), then, if a cache has exactly that
 * path (its narinfo's StorePath is the name asked for) and it is not too large, a fetch.
 *
 * <p>One fetch per path however many ask (a map of fetches in progress by hash part); at most
 * {@code maxConcurrentFetches} Nix processes at once, {@code maxQueuedFetches} waiting, the rest
 * refused. A fetch's outcome is remembered for a while: a fetched path is {@code FETCHING} until
 * the store index shows it; a failed one is {@code ABSENT} for the negative TTL.
 */
public final class PathFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PathFetcher.class);
    /** How long a fetched path keeps answering FETCHING while the index catches up with Nix's database. */
    private static final Duration FETCHED_MEMORY = Duration.ofSeconds(30);

    /** What a LOOKUP of a missing path should answer. */
    public enum State {
        /** No cache has it (or it may not be fetched): NOENT. */
        ABSENT,
        /** Being checked or fetched, or just fetched: ask again shortly. */
        FETCHING
    }

    /** How a fetch ended. */
    public enum Outcome {
        FETCHED, NOT_AVAILABLE, TOO_LARGE, FAILED, TIMED_OUT, BUSY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Fetches with Nix; an interface so the single-flight and limit logic is tested without Nix. */
    public interface Fetcher {
        /**
         * What fetching the path would add to the store: the NAR sizes, as the cache reports them, of the
         * paths of its closure that are not valid here already; -1 if unknown.
         */
        long missingSize(StorePath path, URI cache) throws IOException;

        /** Fetches the path's closure; returns normally once it is valid in the store. */
        void fetch(StorePath path) throws IOException;
    }

    private final FetchSettings settings;
    private final NarinfoLookup narinfo;
    private final Fetcher fetcher;
    private final Consumer<StorePath> onFetched;
    private final FetchMetrics metrics;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, CompletableFuture<Outcome>> inProgress = new ConcurrentHashMap<>();
    private final Cache<String, Outcome> recent;
    private final ThreadPoolExecutor fetchPool;
    private final ExecutorService io;
    private final AtomicInteger started = new AtomicInteger();
    private final Semaphore holders;

    PathFetcher(FetchSettings settings, Function<ExecutorService, NarinfoLookup> narinfo,
                Fetcher fetcher, Consumer<StorePath> onFetched, FetchMetrics metrics, LongSupplier nanoClock) {
        this.settings = settings;
        this.holders = new Semaphore(settings.maxConcurrentFetches());
        this.io = Executors.newFixedThreadPool(2, daemon("fetch-io"));
        this.narinfo = narinfo.apply(io);
        this.fetcher = fetcher;
        this.onFetched = onFetched;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        long negative = settings.negativeTtl().toNanos();
        this.recent = Caffeine.newBuilder().maximumSize(settings.cacheEntries()).ticker(nanoClock::getAsLong)
                .expireAfter(Expiry.<String, Outcome>creating((k, o) ->
                        o == Outcome.FETCHED ? FETCHED_MEMORY : Duration.ofNanos(negative)))
                .build();
        this.fetchPool = new ThreadPoolExecutor(settings.maxConcurrentFetches(), settings.maxConcurrentFetches(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(Math.max(1, settings.maxQueuedFetches())), daemon("fetch"));
        metrics.bindInFlight(inProgress::size);
    }

    /**
     * The fetcher for these settings, fetching with real Nix into the store of {@code nix}.
     *
     * @param valid     whether a path is valid in that store now (the server's index): the size limit counts
     *                  only the part of a closure that is missing
     * @param onFetched told of every path fetched (the server records it as used now)
     */
    public static PathFetcher create(FetchSettings settings, NixCommands nix, Predicate<StorePath> valid,
                                     Consumer<StorePath> onFetched, FetchMetrics metrics) {
        return create(settings, nix, new NixFetcher(nix, settings, valid), onFetched, metrics);
    }

    /** The same with another way to fetch (tests). */
    public static PathFetcher create(FetchSettings settings, NixCommands nix, Fetcher fetcher,
                                     Consumer<StorePath> onFetched, FetchMetrics metrics) {
        return new PathFetcher(settings, io -> NarinfoLookup.create(settings, nix, metrics, io), fetcher, onFetched,
                metrics, System::nanoTime);
    }

    /** What a LOOKUP of this missing path answers now; starts checking or fetching it if needed. Never blocks. */
    public State request(StorePath path) {
        CompletableFuture<Outcome> f = fetch(path);
        if (!f.isDone()) {
            return State.FETCHING;
        }
        return f.join() == Outcome.FETCHED ? State.FETCHING : State.ABSENT;
    }

    /**
     * Waits, up to the configured hold, for the fetch of this path to end; true if it was fetched.
     * For worker threads only. At most {@code maxConcurrentFetches} callers wait at once (a few NFS
     * worker threads at most); the
     * others (and every caller when the hold is zero) get false at once and answer DELAY.
     */
    public boolean awaitFetched(StorePath path) {
        if (settings.hold().isZero() || !holders.tryAcquire()) {
            return false;
        }
        try {
            return fetch(path).get(settings.hold().toMillis(), TimeUnit.MILLISECONDS) == Outcome.FETCHED;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            holders.release();
        }
    }

    /** Fetches the path unless a fetch of it is in progress (then joins it) or just ended (then its outcome). */
    public CompletableFuture<Outcome> fetch(StorePath path) {
        String h = path.hashPart();
        CompletableFuture<Outcome> running = inProgress.get(h);
        if (running != null) {
            return running;
        }
        Outcome known = recent.getIfPresent(h);
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        long asked = nanoClock.getAsLong();
        return narinfo.lookup(path).thenCompose(a -> {
            log.debug("narinfo of {}: {} ({}) after {} ms", path, a.result(), a.detail(),
                    (nanoClock.getAsLong() - asked) / 1_000_000);
            return decide(path, a);
        });
    }

    public NarinfoLookup narinfoLookup() {
        return narinfo;
    }

    private CompletableFuture<Outcome> decide(StorePath path, NarinfoAnswer a) {
        if (a.result() != NarinfoAnswer.Result.FOUND) {
            return CompletableFuture.completedFuture(Outcome.NOT_AVAILABLE);
        }
        if (!a.narinfo().storePath().equals(path)) {
            metrics.narinfo(FetchMetrics.MISMATCH);
            log.info("not fetching {}: {} describes {} instead", path, a.cache(), a.narinfo().storePath());
            return CompletableFuture.completedFuture(Outcome.NOT_AVAILABLE);
        }
        if (a.narinfo().narSize() > settings.maxFetchSize()) {
            return CompletableFuture.completedFuture(tooLarge(path, a.narinfo().narSize()));
        }
        return start(path, a.cache(), a.narinfo());
    }

    private Outcome tooLarge(StorePath path, long size) {
        log.warn("not fetching {}: {} bytes is over --max-fetch-size {}", path, size, settings.maxFetchSize());
        metrics.fetched(Outcome.TOO_LARGE, Duration.ZERO, 0);
        recent.put(path.hashPart(), Outcome.TOO_LARGE);
        return Outcome.TOO_LARGE;
    }

    /** Starts the one fetch of this path (or joins the one that another asker started a moment ago). */
    private CompletableFuture<Outcome> start(StorePath path, URI cache, Narinfo narinfo) {
        String h = path.hashPart();
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> other = inProgress.putIfAbsent(h, mine);
        if (other != null) {
            return other;
        }
        Outcome recentOutcome = recent.getIfPresent(h); // a fetch ended between our check and putIfAbsent
        if (recentOutcome != null) {
            inProgress.remove(h, mine);
            mine.complete(recentOutcome);
            return mine;
        }
        try {
            fetchPool.execute(() -> run(path, cache, narinfo, mine));
        } catch (RejectedExecutionException e) {
            log.warn("not fetching {}: {} fetches running and {} waiting already", path,
                    settings.maxConcurrentFetches(), settings.maxQueuedFetches());
            metrics.fetched(Outcome.BUSY, Duration.ZERO, 0);
            inProgress.remove(h, mine);
            mine.complete(Outcome.BUSY);
        }
        return mine;
    }

    private void run(StorePath path, URI cache, Narinfo narinfo, CompletableFuture<Outcome> done) {
        long began = nanoClock.getAsLong();
        started.incrementAndGet();
        Outcome outcome;
        long bytes = 0;
        try {
            // A path that refers to nothing else is its own closure: no need to ask Nix.
            boolean alone = narinfo.references().stream().allMatch(path::equals);
            long closure = alone ? narinfo.narSize() : fetcher.missingSize(path, cache);
            if (closure > settings.maxFetchSize()) {
                finish(path, done, tooLarge(path, closure));
                return;
            }
            fetcher.fetch(path);
            bytes = Math.max(closure, 0);
            outcome = Outcome.FETCHED;
            log.info("fetched {} ({} bytes with what its closure lacked) from {} in {} ms", path, bytes, cache,
                    (nanoClock.getAsLong() - began) / 1_000_000);
            onFetched.accept(path);
        } catch (IOException | RuntimeException e) {
            outcome = String.valueOf(e.getMessage()).contains("did not finish within") ? Outcome.TIMED_OUT : Outcome.FAILED;
            log.warn("fetching {} from {} failed: {}", path, cache, e.getMessage());
        }
        metrics.fetched(outcome, Duration.ofNanos(nanoClock.getAsLong() - began), bytes);
        finish(path, done, outcome);
    }

    private void finish(StorePath path, CompletableFuture<Outcome> done, Outcome outcome) {
        recent.put(path.hashPart(), outcome); // before leaving inProgress: no moment where neither knows
        inProgress.remove(path.hashPart(), done);
        done.complete(outcome);
    }

    /** Fetches started so far (for tests: "one fetch"). */
    public int fetchesStarted() {
        return started.get();
    }

    public FetchSettings settings() {
        return settings;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        fetchPool.shutdownNow();
        io.shutdownNow();
    }

    /**
     * Fetching with real Nix: the closure's paths and sizes from {@code nix path-info -r} against the
     * cache (less those valid here already), the fetch with {@code nix-store --realise}.
     */
    static final class NixFetcher implements Fetcher {
        private final NixCommands nix;
        private final FetchSettings settings;
        private final Predicate<StorePath> valid;

        NixFetcher(NixCommands nix, FetchSettings settings, Predicate<StorePath> valid) {
            this.nix = nix;
            this.settings = settings;
            this.valid = valid;
        }

        @Override
        public long missingSize(StorePath path, URI cache) throws IOException {
            Optional<Map<StorePath, Long>> closure = nix.closure(cache.toString(), path,
                    settings.narinfoTimeout().multipliedBy(10));
            if (closure.isEmpty()) {
                return -1;
            }
            long missing = 0;
            for (Map.Entry<StorePath, Long> e : closure.get().entrySet()) {
                if (!valid.test(e.getKey())) {
                    missing += e.getValue();
                }
            }
            return missing;
        }

        @Override
        public void fetch(StorePath path) throws IOException {
            NixCommands.Result r = nix.realise(path, settings.substituters(), settings.trustedPublicKeys(),
                    settings.fetchTimeout());
            if (!r.ok()) {
                throw new IOException("nix-store --realise failed: " + r.errorLine());
            }
        }
    }
}
