package org.nixnfs.server;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.gc.ColdTier;
import org.nixnfs.store.process.ProcessRunner;

/**
 * Fault-in and the cold tier together: the binary caches missing paths are fetched from, and
 * where GC copies dead paths it deletes. The cold tier is itself a cache fault-in fetches from
 * (last), trusting the public key of the key it is signed with.
 *
 * @param fetch    substituters, trusted keys and limits; fault-in is off when there are no substituters and no cold tier
 * @param coldTier where GC copies dead paths no substituter has before deleting them; null for none
 */
public record FaultInConfig(FetchSettings fetch, ColdTier coldTier) {
    public static FaultInConfig disabled() {
        return new FaultInConfig(FetchSettings.disabled(), null);
    }

    /** Whether LOOKUPs of missing paths fetch and GC requires recoverability. */
    public boolean enabled() {
        return fetch.enabled() || coldTier != null;
    }

    /** The fetch settings with the cold tier added as the last substituter, trusted by its signing key. */
    public FetchSettings effectiveFetch() throws IOException {
        if (coldTier == null) {
            return fetch;
        }
        List<URI> subs = new ArrayList<>(fetch.substituters());
        subs.add(coldTier.url());
        List<String> keys = new ArrayList<>(fetch.trustedPublicKeys());
        if (coldTier.signingKey() != null) {
            keys.add(publicKeyOf(coldTier.signingKey()));
        }
        return new FetchSettings(subs, keys, fetch.maxFetchSize(), fetch.positiveTtl(), fetch.negativeTtl(),
                fetch.narinfoTimeout(), fetch.fetchTimeout(), fetch.maxConcurrentFetches(), fetch.maxQueuedFetches(),
                fetch.maxNarinfoInFlight(), fetch.narinfoPerSecond(), fetch.cacheEntries(), fetch.hold());
    }

    /** {@code nix key convert-secret-to-public} of a secret key file. */
    static String publicKeyOf(Path secretKey) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("nix", "--extra-experimental-features", "nix-command", "key",
                "convert-secret-to-public").redirectInput(secretKey.toFile());
        ProcessRunner.Output o = ProcessRunner.run(pb, Duration.ofSeconds(30), "is Nix installed?");
        String out = o.stdout().strip();
        if (!o.ok() || out.isEmpty()) {
            throw new IOException("cannot derive the public key of " + secretKey + " (nix key convert-secret-to-public)");
        }
        return out;
    }
}
