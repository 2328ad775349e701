package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * Derivations need not come back: executors read only outputs, and an output comes back from a
     * cache without its .drv. So a dead .drv no cache has is deleted even without a cold tier, and
     * with one it is not copied there (its inputs would fill the tier with build recipes).
     */
    @Test
    void derivationsAreDeletedWithoutBeingCopied(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("store"));
        StorePath out = nix.build(NixStoreFixture.derivation("tool", "echo t > $out")).get(0);
        StorePath drv = NixDatabase.open(nix.storeRoot()).load().get(out).orElseThrow().deriver();
        assertTrue(drv.name().endsWith(".drv") && nix.isValid(drv), String.valueOf(drv));
        ExecutorService io = Executors.newFixedThreadPool(2);
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "cache-1")) {
            cache.push(nix, out);
            NixCommands commands = NixCommands.forStore(nix.storeRoot());
            assertFalse(Files.exists(cache.directory().resolve(drv.hashPart() + ".narinfo")), "nix copy pushes no .drv");

            GcService noColdTier = service(nix, recovery(cache, commands, io, null));
            Recovery.Source s = noColdTier.plan().recovery().get(drv);
            assertEquals(Recovery.Kind.NOT_NEEDED, s.kind(), s.describe());
            assertTrue(s.recoverable());
            GcRunResult r = noColdTier.collect();
            assertEquals(Set.of(out, drv), deleted(r), r.failures().toString());
            assertTrue(r.failures().isEmpty(), r.failures().toString());
            assertFalse(nix.isValid(drv));

            // With a cold tier: still not copied there.
            StorePath out2 = nix.build(NixStoreFixture.derivation("tool-2", "echo t2 > $out")).get(0);
            StorePath drv2 = NixDatabase.open(nix.storeRoot()).load().get(out2).orElseThrow().deriver();
            Path cold = dir.resolve("cold");
            ColdTier tier = new ColdTier(URI.create("file://" + cold), cache.secretKey(), 0);
            r = service(nix, recovery(cache, commands, io, tier)).collect();
            assertEquals(Set.of(out2, drv2), deleted(r), r.failures().toString());
            assertTrue(Files.exists(cold.resolve(out2.hashPart() + ".narinfo")), "the output is copied");
            assertFalse(Files.exists(cold.resolve(drv2.hashPart() + ".narinfo")), "the derivation is not");
            nix.nix(null, "nix-store", "--verify", "--check-contents");
        } finally {
            io.shutdownNow();
        }
    }

    /**
     * GC's check has limits of its own, for a batch job: a plan over more dead paths than fault-in's
     * narinfo burst (50) asks the cache about each of them once and knows for every one where it
     * comes back from; it asks about many at once (a distant cache is not asked one path per round
     * trip); and when the substituters fail, the plan says the paths were not checked
     * (UNKNOWN, kept) rather than "no substituter has it".
     */
    @Test
    void manyPathsAreCheckedAndFailuresAreReportedAsUnknown(@TempDir Path dir) throws Exception {
        FetchSettings faultIn = FetchSettings.defaults(List.of(URI.create("http://127.0.0.1:1")), List.of());
        FetchSettings gc = Recovery.forBatch(faultIn);
        assertTrue(gc.maxNarinfoInFlight() > faultIn.maxNarinfoInFlight() && gc.narinfoPerSecond() > faultIn.narinfoPerSecond());

        int n = 80;
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("store"));
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            many.append(" (").append(NixStoreFixture.derivation("p" + i, "echo " + i + " > $out")).append(")");
        }
        List<StorePath> outs = nix.build(many.append(" ]").toString());
        ExecutorService io = Executors.newFixedThreadPool(2);
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "cache-1").serve()) {
            cache.push(nix, outs.toArray(new StorePath[0]));
            NixCommands commands = NixCommands.forStore(nix.storeRoot());
            FetchSettings s = FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey()));
            int before = cache.requests().size();
            long t0 = System.nanoTime();
            GcPlan plan = service(nix, Recovery.forCaches(s, null, commands, new FetchMetrics(new SimpleMeterRegistry()),
                    io, p -> { })).plan();
            long millis = (System.nanoTime() - t0) / 1_000_000;
            for (StorePath p : outs) {
                assertEquals(Recovery.Kind.ON_CACHE, plan.recovery().get(p).kind(), p + ": " + plan.recovery().get(p).describe());
            }
            long narinfoRequests = cache.requests().subList(before, cache.requests().size()).stream()
                    .filter(l -> l.contains(".narinfo")).count();
            assertEquals(n, narinfoRequests, "one narinfo request per output (the .drv files are not asked about)");
            System.out.printf("GC plan: %d paths checked against nginx in %d ms%n", n, millis);

            // A distant cache (each answer 50 ms late): GC asks about many paths at once. The server holds
            // each narinfo request until 10 are waiting together (or 2 s pass), so asking one at a time fails.
            CountDownLatch together = new CountDownLatch(10);
            AtomicInteger waiting = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            HttpServer distant = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService answering = Executors.newFixedThreadPool(32);
            distant.setExecutor(answering);
            distant.createContext("/", ex -> {
                mostAtOnce.accumulateAndGet(waiting.incrementAndGet(), Math::max);
                together.countDown();
                try {
                    together.await(2, TimeUnit.SECONDS);
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                waiting.decrementAndGet();
                Path file = cache.directory().resolve(ex.getRequestURI().getPath().substring(1));
                byte[] body = Files.isRegularFile(file) ? Files.readAllBytes(file) : new byte[0];
                ex.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length > 0 ? body.length : -1);
                ex.getResponseBody().write(body);
                ex.close();
            });
            distant.start();
            try {
                FetchSettings far = FetchSettings.defaults(List.of(URI.create("http://127.0.0.1:" + distant.getAddress().getPort())),
                        List.of(cache.publicKey()));
                t0 = System.nanoTime();
                GcPlan farPlan = service(nix, Recovery.forCaches(far, null, commands,
                        new FetchMetrics(new SimpleMeterRegistry()), io, p -> { })).plan();
                millis = (System.nanoTime() - t0) / 1_000_000;
                for (StorePath p : outs) {
                    assertEquals(Recovery.Kind.ON_CACHE, farPlan.recovery().get(p).kind(), farPlan.recovery().get(p).describe());
                }
                assertTrue(mostAtOnce.get() >= 10, "narinfo requests at once: " + mostAtOnce.get());
                System.out.printf("GC plan: %d paths checked against a cache answering in 50 ms in %d ms (%d requests at once)%n",
                        n, millis, mostAtOnce.get());
            } finally {
                distant.stop(0);
                answering.shutdownNow();
            }

            // The cache is down (nothing listens): every path is UNKNOWN and kept, and says why.
            FetchSettings down = FetchSettings.defaults(List.of(URI.create("http://127.0.0.1:1")), List.of());
            GcService failing = service(nix, Recovery.forCaches(down, null, commands,
                    new FetchMetrics(new SimpleMeterRegistry()), io, p -> { }));
            Recovery.Source unknown = failing.plan().recovery().get(outs.get(0));
            assertEquals(Recovery.Kind.UNKNOWN, unknown.kind(), unknown.describe());
            assertFalse(unknown.recoverable());
            assertTrue(unknown.describe().startsWith("not checked"), unknown.describe());
            GcRunResult r = failing.collect();
            assertTrue(r.deleted().stream().noneMatch(d -> outs.contains(d.path())), "nothing unchecked is deleted");
            assertTrue(r.failures().stream().anyMatch(f -> f.contains(outs.get(0).toString()) && f.contains("not checked")),
                    r.failures().toString());
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
