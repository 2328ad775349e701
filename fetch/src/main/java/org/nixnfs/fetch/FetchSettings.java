package org.nixnfs.fetch;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How store paths are fetched on demand.
 *
 * @param substituters      binary caches to fetch from, in order (empty: fault-in is off)
 * @param trustedPublicKeys keys whose signatures Nix accepts on what it fetches
 * @param maxFetchSize      paths whose closure (by NAR size) is larger are refused
 * @param positiveTtl       how long "this cache has it" is remembered
 * @param negativeTtl       how long "no cache has it" (or "the caches failed") is remembered
 * @param narinfoTimeout    a narinfo request that takes longer counts as a failed cache
 * @param fetchTimeout      a Nix fetch that takes longer is killed (Nix registers atomically: nothing is left)
 * @param maxConcurrentFetches Nix processes fetching at once
 * @param maxQueuedFetches  fetches waiting for one of those; more are refused (the client gets NOENT)
 * @param maxNarinfoInFlight narinfo requests outstanding at once; more are refused without asking
 * @param narinfoPerSecond  narinfo requests started per second at most (a burst of as many is allowed)
 * @param cacheEntries      answers remembered (positive and negative)
 * @param hold              how long a LOOKUP of a path being fetched may wait for it on a worker thread
 *                          before it is answered "ask again" (NFS4ERR_DELAY); zero: answer DELAY at once
 */
public record FetchSettings(List<URI> substituters, List<String> trustedPublicKeys, long maxFetchSize,
                            Duration positiveTtl, Duration negativeTtl, Duration narinfoTimeout, Duration fetchTimeout,
                            int maxConcurrentFetches, int maxQueuedFetches, int maxNarinfoInFlight,
                            int narinfoPerSecond, long cacheEntries, Duration hold) {
    public FetchSettings {
        substituters = List.copyOf(substituters);
        trustedPublicKeys = List.copyOf(trustedPublicKeys);
        if (maxFetchSize <= 0 || maxConcurrentFetches < 1 || maxQueuedFetches < 0 || maxNarinfoInFlight < 1
                || narinfoPerSecond < 1 || cacheEntries < 1) {
            throw new IllegalArgumentException("fetch limits must be positive");
        }
        for (URI u : substituters) {
            if (u.getScheme() == null) {
                throw new IllegalArgumentException("not a binary cache URL (no scheme): " + u);
            }
        }
    }

    /** Measured with the Linux client (README): see FaultInKernelTest. */
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(2);

    public static FetchSettings defaults(List<URI> substituters, List<String> trustedPublicKeys) {
        return new FetchSettings(substituters, trustedPublicKeys, 4L << 30, Duration.ofHours(1), Duration.ofSeconds(30),
                Duration.ofSeconds(3), Duration.ofMinutes(10), 4, 64, 16, 50, 100_000, DEFAULT_HOLD);
    }

    public static FetchSettings disabled() {
        return defaults(List.of(), List.of());
    }

    public boolean enabled() {
        return !substituters.isEmpty();
    }

    public FetchSettings withMaxFetchSize(long bytes) {
        return new FetchSettings(substituters, trustedPublicKeys, bytes, positiveTtl, negativeTtl, narinfoTimeout,
                fetchTimeout, maxConcurrentFetches, maxQueuedFetches, maxNarinfoInFlight, narinfoPerSecond, cacheEntries, hold);
    }

    public FetchSettings withNegativeTtl(Duration d) {
        return new FetchSettings(substituters, trustedPublicKeys, maxFetchSize, positiveTtl, d, narinfoTimeout,
                fetchTimeout, maxConcurrentFetches, maxQueuedFetches, maxNarinfoInFlight, narinfoPerSecond, cacheEntries, hold);
    }

    public FetchSettings withNarinfoTimeout(Duration d) {
        return new FetchSettings(substituters, trustedPublicKeys, maxFetchSize, positiveTtl, negativeTtl, d,
                fetchTimeout, maxConcurrentFetches, maxQueuedFetches, maxNarinfoInFlight, narinfoPerSecond, cacheEntries, hold);
    }

    public FetchSettings withHold(Duration d) {
        return new FetchSettings(substituters, trustedPublicKeys, maxFetchSize, positiveTtl, negativeTtl,
                narinfoTimeout, fetchTimeout, maxConcurrentFetches, maxQueuedFetches, maxNarinfoInFlight,
                narinfoPerSecond, cacheEntries, d);
    }

    public FetchSettings withNarinfoLimits(int inFlight, int perSecond) {
        return new FetchSettings(substituters, trustedPublicKeys, maxFetchSize, positiveTtl, negativeTtl,
                narinfoTimeout, fetchTimeout, maxConcurrentFetches, maxQueuedFetches, inFlight, perSecond, cacheEntries, hold);
    }
}
