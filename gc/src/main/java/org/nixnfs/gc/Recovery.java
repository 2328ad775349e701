package org.nixnfs.gc;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
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

    /** Where a path can come back from; {@code from} is null when it cannot. */
    public record Source(String from, boolean needsCopy) {
        public boolean recoverable() {
            return from != null;
        }

        public String describe() {
            return from == null ? "not recoverable (no substituter has it and there is no cold tier)"
                    : needsCopy ? "copied to the cold tier " + from + " first" : "from " + from;
        }
    }

    private final NarinfoLookup narinfo;
    private final ColdTier coldTier;
    private final NixCommands nix;
    private final java.util.function.Consumer<StorePath> copied;

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
                    java.util.function.Consumer<StorePath> copied) {
        this.narinfo = narinfo;
        this.coldTier = coldTier;
        this.nix = nix;
        this.copied = copied;
    }

    /**
     * GC's check against these caches (the server's and {@code gc --standalone}'s alike): its own
     * narinfo lookup, so that GC's many questions never use up the rate fault-in answers executors with.
     *
     * @param caches   the substituters (the cold tier last) and their trusted keys
     * @param io       runs the lookups; the caller shuts it down
     */
    public static Recovery forCaches(FetchSettings caches, ColdTier coldTier, NixCommands nix, FetchMetrics metrics,
                                     ExecutorService io, java.util.function.Consumer<StorePath> copied) {
        return new Recovery(NarinfoLookup.create(caches, nix, metrics, io), coldTier, nix, copied);
    }

    /** Where the path would come back from, without copying anything (the dry run). */
    public Source whereFrom(StorePath p) {
        Optional<URI> on = onCache(p);
        if (on.isPresent()) {
            return new Source(on.get().toString(), false);
        }
        return coldTier == null ? new Source(null, false) : new Source(coldTier.url().toString(), true);
    }

    /**
     * Makes these paths recoverable (copying to the cold tier what no cache has) and returns those
     * that are; the others must not be deleted, with the reason in {@code failures}.
     */
    public List<StorePath> ensure(List<StorePath> paths, List<String> failures) {
        List<StorePath> ok = new ArrayList<>();
        List<StorePath> toCopy = new ArrayList<>();
        for (StorePath p : paths) {
            Source s = whereFrom(p);
            if (!s.recoverable()) {
                failures.add(p + ": " + s.describe() + ", kept");
            } else if (s.needsCopy()) {
                toCopy.add(p);
            } else {
                ok.add(p);
            }
        }
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

    /** The cache that has this exact path, asking again while the lookup is throttled (GC is never in a hurry). */
    private Optional<URI> onCache(StorePath p) {
        for (int attempt = 0; attempt < 600; attempt++) {
            NarinfoAnswer a;
            try {
                a = narinfo.lookup(p).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                return Optional.empty();
            }
            if (a.result() == NarinfoAnswer.Result.THROTTLED) {
                sleep();
                continue;
            }
            return a.result() == NarinfoAnswer.Result.FOUND && a.narinfo().storePath().equals(p)
                    ? Optional.of(a.cache()) : Optional.empty();
        }
        return Optional.empty();
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Per path, where it can come back from (the plan shows it). */
    public Map<StorePath, Source> whereFrom(List<StorePath> paths) {
        Map<StorePath, Source> m = new LinkedHashMap<>();
        paths.forEach(p -> m.put(p, whereFrom(p)));
        return m;
    }

    public ColdTier coldTier() {
        return coldTier;
    }
}
