package org.nixnfs.fetch;

import java.net.URI;
import java.util.Locale;

/**
 * What the binary caches say about a hash part.
 *
 * @param result what was found
 * @param narinfo the narinfo, for {@link Result#FOUND}
 * @param cache   the cache that has it, for {@link Result#FOUND}
 * @param detail  why, for the log
 */
public record NarinfoAnswer(Result result, Narinfo narinfo, URI cache, String detail) {
    public enum Result {
        /** A cache has a narinfo for this hash part. */
        FOUND,
        /** Every cache answered: none has it. */
        ABSENT,
        /** No cache has it as far as we could tell, and at least one failed (error status, timeout, refused). */
        ERROR,
        /** Not asked: too many checks in flight or over the rate limit. Never cached. */
        THROTTLED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static NarinfoAnswer found(Narinfo n, URI cache) {
        return new NarinfoAnswer(Result.FOUND, n, cache, "found on " + cache);
    }

    public static NarinfoAnswer absent(String detail) {
        return new NarinfoAnswer(Result.ABSENT, null, null, detail);
    }

    public static NarinfoAnswer error(String detail) {
        return new NarinfoAnswer(Result.ERROR, null, null, detail);
    }

    public static NarinfoAnswer throttled(String detail) {
        return new NarinfoAnswer(Result.THROTTLED, null, null, detail);
    }
}
