package org.nixnfs.fetch;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;
import org.nixnfs.store.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Does a binary cache have this store path?", asked cheaply ({@code <hash>.narinfo}) and
 * remembered: a positive answer for long, a negative one (or a failing cache) briefly, in a
 * bounded Caffeine cache keyed by hash part. Concurrent askers of one hash part share one request.
 *
 * <p>A flood of names no cache has (random, or a scan) must not become a flood of requests, so
 * requests are bounded twice: at most {@code maxNarinfoInFlight} outstanding, and at most
 * {@code narinfoPerSecond} started a second (token bucket). A name refused by either is answered
 * {@code THROTTLED} at once, not remembered and not asked: the client gets NOENT and may ask again.
 * Memory is bounded by the answer cache's size and the in-flight limit.
 */
public final class NarinfoLookup {
    private static final Logger log = LoggerFactory.getLogger(NarinfoLookup.class);

    private final List<BinaryCache> caches;
    private final AsyncCache<String, NarinfoAnswer> answers;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final RateLimiter rate;
    private final FetchMetrics metrics;
    private final Executor executor;

    NarinfoLookup(List<BinaryCache> caches, FetchSettings s, FetchMetrics metrics, Executor executor,
                  LongSupplier nanoClock) {
        this.caches = List.copyOf(caches);
        this.metrics = metrics;
        this.executor = executor;
        this.maxInFlight = s.maxNarinfoInFlight();
        this.inFlight = new Semaphore(maxInFlight);
        this.rate = new RateLimiter(s.narinfoPerSecond(), nanoClock);
        long positive = s.positiveTtl().toNanos();
        long negative = s.negativeTtl().toNanos();
        this.answers = Caffeine.newBuilder().maximumSize(s.cacheEntries()).executor(executor)
                .ticker(nanoClock::getAsLong)
                .expireAfter(Expiry.<String, NarinfoAnswer>creating((k, a) -> switch (a.result()) {
                    case FOUND -> Duration.ofNanos(positive);
                    case ABSENT, ERROR -> Duration.ofNanos(negative);
                    case THROTTLED -> Duration.ZERO;
                }))
                .buildAsync();
    }

    /** Asks the substituters of these settings over HTTP(S), from disk, or through Nix, on {@code io}. */
    public static NarinfoLookup create(FetchSettings settings, NixCommands nix, FetchMetrics metrics,
                                       ExecutorService io) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(settings.narinfoTimeout())
                .executor(io).followRedirects(HttpClient.Redirect.NORMAL).build();
        List<BinaryCache> caches = settings.substituters().stream()
                .map(u -> new BinaryCache(u, http, io, settings.narinfoTimeout(), nix)).toList();
        return new NarinfoLookup(caches, settings, metrics, io, System::nanoTime);
    }

    /** The answer for this path's hash part, from memory or (asynchronously) from the caches. Never blocks. */
    public CompletableFuture<NarinfoAnswer> lookup(StorePath path) {
        CompletableFuture<NarinfoAnswer> known = answers.getIfPresent(path.hashPart());
        if (known != null) {
            return known;
        }
        return answers.get(path.hashPart(), (hash, executor) -> ask(path));
    }

    /**
     * Asks each cache for {@code nix-cache-info} in the background and logs the ones that do not
     * answer: the operator learns at startup that a cache is unreachable, and the first fault-in
     * does not pay for setting up the HTTP client.
     */
    public void checkCaches() {
        for (BinaryCache c : caches) {
            c.cacheInfo().thenAccept(problem -> problem.ifPresentOrElse(
                    p -> log.warn("binary cache {} does not answer: {} (fault-in from it will fail)", c.url(), p),
                    () -> log.info("binary cache {} answers", c.url())));
        }
    }

    /** Forgets what is known about a hash part (the GC deleted it, so "on a cache" must be asked again). */
    public void forget(String hashPart) {
        answers.synchronous().invalidate(hashPart);
    }

    private CompletableFuture<NarinfoAnswer> ask(StorePath path) {
        if (!inFlight.tryAcquire()) {
            return counted(CompletableFuture.completedFuture(NarinfoAnswer.throttled("too many narinfo requests in flight")));
        }
        if (!rate.tryAcquire()) {
            inFlight.release();
            return counted(CompletableFuture.completedFuture(NarinfoAnswer.throttled("narinfo rate limit reached")));
        }
        // Off the caller's thread: the caller may be an event loop, and an HTTP request may resolve a name.
        CompletableFuture<NarinfoAnswer> f = CompletableFuture.supplyAsync(() -> askFrom(0, path, new ArrayList<>()), executor)
                .thenCompose(x -> x);
        f.whenComplete((a, e) -> inFlight.release());
        return counted(f);
    }

    /** Asks the caches in order; the first that has it answers. */
    private CompletableFuture<NarinfoAnswer> askFrom(int i, StorePath path, List<String> errors) {
        if (i == caches.size()) {
            return CompletableFuture.completedFuture(errors.isEmpty() ? NarinfoAnswer.absent("no cache has it")
                    : NarinfoAnswer.error(String.join("; ", errors)));
        }
        return caches.get(i).narinfo(path).thenCompose(a -> {
            if (a.result() == NarinfoAnswer.Result.FOUND) {
                return CompletableFuture.completedFuture(a);
            }
            if (a.result() == NarinfoAnswer.Result.ERROR) {
                log.warn("binary cache failed for {}: {}", path.hashPart(), a.detail());
                errors.add(a.detail());
            }
            return askFrom(i + 1, path, errors);
        });
    }

    private CompletableFuture<NarinfoAnswer> counted(CompletableFuture<NarinfoAnswer> f) {
        return f.whenComplete((a, e) -> metrics.narinfo(a == null ? "error" : a.result().label()));
    }

    /** Answers remembered now (for tests: memory stays bounded). */
    public long rememberedAnswers() {
        answers.synchronous().cleanUp();
        return answers.synchronous().estimatedSize();
    }

    public List<URI> urls() {
        return caches.stream().map(BinaryCache::url).toList();
    }

    /** Requests outstanding now (for tests and metrics). */
    public int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }
}
