package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.fetch.FetchMetrics;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.fetch.NarinfoLookup;
import org.nixnfs.fetch.NixCommands;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * GC with recoverability required, against real Nix: a dead path a substituter has is deleted
 * as it is; one no substituter has is copied to the cold tier first; without a cold tier (or when
 * the copy fails) it is kept, and the plan and the run say so.
 */
@Tag("slow")
class RecoveryTest {
    @Test
    void onlyWhatCanComeBackIsDeleted(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("store"));
        List<StorePath> built = nix.build("[ (" + NixStoreFixture.derivation("on-cache", "echo a > $out") + ") ("
                + NixStoreFixture.derivation("only-here", "echo b > $out") + ") ]");
        StorePath onCache = built.get(0);
        StorePath onlyHere = built.get(1);
        ExecutorService io = Executors.newFixedThreadPool(2);
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "cache-1")) {
            cache.push(nix, onCache);
            NixCommands commands = NixCommands.forStore(nix.storeRoot());
            // Without a cold tier: only-here cannot come back, so it stays.
            GcService noColdTier = service(nix, recovery(cache, commands, io, null));
            GcPlan plan = noColdTier.plan();
            assertEquals(cache.fileUrl().toString(), plan.recovery().get(onCache).from());
            assertFalse(plan.recovery().get(onlyHere).recoverable(), plan.recovery().get(onlyHere).describe());
            GcRunResult r = noColdTier.collect();
            assertTrue(deleted(r).contains(onCache));
            assertFalse(deleted(r).contains(onlyHere));
            assertTrue(r.failures().stream().anyMatch(f -> f.contains(onlyHere.toString()) && f.contains("not recoverable")),
                    r.failures().toString());
            assertTrue(nix.isValid(onlyHere));

            // A cold tier that cannot be written: still kept.
            ColdTier broken = new ColdTier(URI.create("file:///proc/nixnfs-cold"), null, 0);
            r = service(nix, recovery(cache, commands, io, broken)).collect();
            assertFalse(deleted(r).contains(onlyHere));
            assertTrue(r.failures().stream().anyMatch(f -> f.contains("copying it to the cold tier failed")),
                    r.failures().toString());
            assertTrue(nix.isValid(onlyHere));

            // A working cold tier: copied, then deleted; the tier has it, signed.
            Path cold = dir.resolve("cold");
            ColdTier tier = new ColdTier(URI.create("file://" + cold), cache.secretKey(), 0);
            tier.prepare(StorePath.STORE_DIR); // as the server does at start: Nix then copies into our cache
            GcService withTier = service(nix, recovery(cache, commands, io, tier));
            assertTrue(withTier.plan().recovery().get(onlyHere).needsCopy());
            r = withTier.collect();
            assertTrue(deleted(r).contains(onlyHere), r.failures().toString());
            assertFalse(nix.isValid(onlyHere));
            assertTrue(Files.readString(cold.resolve(onlyHere.hashPart() + ".narinfo")).contains("Sig: cache-1:"));
            assertEquals("StoreDir: /nix/store\n", Files.readString(cold.resolve("nix-cache-info")));
            nix.nix(null, "nix-store", "--verify", "--check-contents");
        } finally {
            io.shutdownNow();
        }
    }

    private static Recovery recovery(BinaryCacheFixture cache, NixCommands commands, ExecutorService io, ColdTier tier) {
        List<URI> subs = tier == null ? List.of(cache.fileUrl()) : List.of(cache.fileUrl(), tier.url());
        FetchSettings s = FetchSettings.defaults(subs, List.of(cache.publicKey())).withNegativeTtl(Duration.ofSeconds(30));
        return new Recovery(NarinfoLookup.create(s, commands, new FetchMetrics(new SimpleMeterRegistry()), io), tier,
                commands);
    }

    private static GcService service(NixStoreFixture nix, Recovery recovery) throws Exception {
        var index = NixDatabase.open(nix.storeRoot()).load();
        return new GcService(GcPolicy.defaults(), new NixStoreCommand(nix.storeRoot(), "nix-store"),
                new GcService.Facts(() -> index, Map::of, Set::of), new PinStore(nix.storeRoot().getParent()),
                Clock.fixed(Instant.now().plus(Duration.ofDays(30)), ZoneOffset.UTC), h -> { }, recovery);
    }

    private static Set<StorePath> deleted(GcRunResult r) {
        return r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
    }
}
