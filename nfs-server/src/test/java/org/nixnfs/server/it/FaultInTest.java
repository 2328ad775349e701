package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.gc.ColdTier;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.gc.Recovery;
import org.nixnfs.server.FaultInConfig;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Fault-in and the cold tier end to end, with real Nix, a real binary cache (nginx) and the test
 * NFS client: a path that only the cache has is fetched on LOOKUP (DELAY while Nix fetches, or
 * the LOOKUP held until it is there), once
 * for two clients asking at once; a path that only this server had is copied to the cold tier by
 * GC before it is deleted, and comes back from there on the next LOOKUP.
 */
@Tag("slow")
class FaultInTest {
    /**
     * The default 3 s narinfo timeout is for production; on a loaded 2-core CI machine nginx's
     * first answer can take longer, and a timed-out narinfo is (correctly) NOENT.
     */
    private static final Duration SLOW_MACHINE_NARINFO_TIMEOUT = Duration.ofSeconds(30);
    /** How long a LOOKUP may stay DELAY: Nix fetching and unpacking on a loaded machine. */
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(240);

    @Test
    void neverPushedAndEvictedPathsComeBack(@TempDir Path dir) throws Exception {
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        StorePath tool = builder.build("let dep = " + NixStoreFixture.derivation("dep",
                "/bin/mkdir -p $out; echo dep > $out/data") + "; in " + NixStoreFixture.derivation("tool",
                "/bin/mkdir -p $out/bin; echo \"#!/bin/sh\\necho from ${dep}\" > $out/bin/tool")).get(0);
        byte[] toolBytes = Files.readAllBytes(builder.realPath(tool).resolve("bin/tool"));

        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("server"));
        StorePath local = nix.build(NixStoreFixture.derivation("local-only",
                "/bin/mkdir -p $out/lib; /usr/bin/seq 1 5000 > $out/lib/data")).get(0);
        byte[] localBytes = Files.readAllBytes(nix.realPath(local).resolve("lib/data"));

        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "company-cache-1");
             BinaryCacheFixture coldKey = BinaryCacheFixture.create(dir.resolve("coldkey"), "nixnfs-cold-1")) {
            cache.push(builder, tool);
            cache.serve();
            Path cold = dir.resolve("cold");
            FaultInConfig faultIn = new FaultInConfig(
                    FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey())).withHold(Duration.ZERO)
                            .withNarinfoTimeout(SLOW_MACHINE_NARINFO_TIMEOUT),
                    new ColdTier(URI.create("file://" + cold), coldKey.secretKey(), 0));
            MutableClock clock = new MutableClock(Instant.now());
            NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(),
                    new InetSocketAddress("127.0.0.1", 0), Files.createDirectories(dir.resolve("state")))
                    .faultIn(faultIn).build();
            try (NixnfsServer server = NixnfsServer.start(config, clock);
                 Nfs4TestClient c1 = Nfs4TestClient.connect(server.address(), 1);
                 Nfs4TestClient c2 = Nfs4TestClient.connect(server.address(), 2)) {
                // Never pushed: two clients ask at once; one fetch; both read it.
                String toolFile = "/nix/store/" + tool.baseName() + "/bin/tool";
                CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> lookupThroughDelays(server, c1, toolFile));
                CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> lookupThroughDelays(server, c2, toolFile));
                int delays = a.get(300, TimeUnit.SECONDS) + b.get(300, TimeUnit.SECONDS);
                System.out.printf("fault-in: %d DELAY answers before the tool was there%n", delays);
                assertTrue(delays > 0, "the first LOOKUP is answered DELAY while Nix fetches");
                assertArrayEquals(toolBytes, c1.readAll(c1.lookup(toolFile), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096));
                assertTrue(nix.isValid(tool));
                assertEquals(1.0, server.metrics().get("nixnfs.fetch.fetches").tag("outcome", "fetched").counter().count(),
                        "one fetch for two clients");
                assertTrue(server.usage().usage(tool.hashPart()).isPresent(), "the fetched path counts as used");

                // A name no cache has: NOENT (after at most a DELAY while the caches are asked).
                StorePath nowhere = StorePath.parseBaseName("0000000000000000000000000000000a-nowhere").orElseThrow();
                assertEquals(NfsStatus.NFS4ERR_NOENT, statusThroughDelays(c1, "/nix/store/" + nowhere.baseName()));

                // Evicted: read, unused for a month, GC copies it to the cold tier, deletes it, it comes back.
                String localFile = "/nix/store/" + local.baseName() + "/lib/data";
                assertArrayEquals(localBytes, c1.readAll(c1.lookup(localFile), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096));
                clock.advance(Duration.ofDays(30));
                GcPlan plan = server.gc().plan();
                Recovery.Source localFrom = plan.recovery().get(local);
                assertTrue(localFrom.recoverable() && localFrom.needsCopy(), localFrom.describe());
                Recovery.Source toolFrom = plan.recovery().get(tool);
                assertEquals(cache.httpUrl().toString(), toolFrom.from(), "the tool is on the company cache already");
                assertFalse(toolFrom.needsCopy());

                GcRunResult r = server.gc().collect();
                Set<StorePath> deleted = r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
                assertTrue(deleted.containsAll(Set.of(local, tool)), "deleted: " + deleted + "; failures: " + r.failures());
                assertFalse(Files.exists(nix.realPath(local)));
                assertTrue(Files.exists(cold.resolve(local.hashPart() + ".narinfo")), "copied to the cold tier first");
                assertFalse(Files.exists(cold.resolve(tool.hashPart() + ".narinfo")), "not the tool: the cache has it");
                nix.nix(null, "nix-store", "--verify", "--check-contents");

                lookupThroughDelays(server, c2, localFile);
                assertArrayEquals(localBytes, c2.readAll(c2.lookup(localFile), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096),
                        "the evicted path came back from the cold tier");
                assertTrue(nix.isValid(local));
            }
        }
    }

    @Test
    void aHeldLookupAnswersOnceTheFetchEnds(@TempDir Path dir) throws Exception {
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        StorePath tool = builder.build(NixStoreFixture.derivation("held", "/bin/mkdir -p $out; echo held > $out/data")).get(0);
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("server"));
        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "company-cache-1")) {
            cache.push(builder, tool);
            cache.serve();
            NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(),
                    new InetSocketAddress("127.0.0.1", 0), Files.createDirectories(dir.resolve("state")))
                    .faultIn(new FaultInConfig(FetchSettings.defaults(List.of(cache.httpUrl()),
                            List.of(cache.publicKey())).withHold(Duration.ofSeconds(30))
                            .withNarinfoTimeout(SLOW_MACHINE_NARINFO_TIMEOUT), null)).build();
            try (NixnfsServer server = NixnfsServer.start(config);
                 Nfs4TestClient c1 = Nfs4TestClient.connect(server.address(), 1);
                 Nfs4TestClient c2 = Nfs4TestClient.connect(server.address(), 1)) {
                String file = "/nix/store/" + tool.baseName() + "/data";
                CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> lookupThroughDelays(server, c1, file));
                CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> lookupThroughDelays(server, c2, file));
                assertEquals(0, a.get(300, TimeUnit.SECONDS) + b.get(300, TimeUnit.SECONDS),
                        "held until the path was there: no DELAY");
                assertEquals("held\n", new String(c1.readAll(c1.lookup(file), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096),
                        StandardCharsets.UTF_8));
                assertEquals(1.0, server.metrics().get("nixnfs.fetch.fetches").tag("outcome", "fetched").counter().count());
                StorePath nowhere = StorePath.parseBaseName("0000000000000000000000000000000a-nowhere").orElseThrow();
                assertEquals(NfsStatus.NFS4ERR_NOENT, statusThroughDelays(c1, "/nix/store/" + nowhere.baseName()),
                        "a held LOOKUP of a name no cache has is NOENT");

                // 10,000 LOOKUPs of random valid-looking names: a bounded trickle of cache requests.
                int before = cache.requests().size();
                Random rnd = new Random(7);
                long t0 = System.nanoTime();
                int noent = 0;
                for (int i = 0; i < 10_000; i++) {
                    StringBuilder h = new StringBuilder();
                    for (int k = 0; k < 32; k++) {
                        h.append(StorePath.BASE32_ALPHABET.charAt(rnd.nextInt(32)));
                    }
                    try {
                        c2.lookup("/nix/store/" + h + "-random");
                    } catch (Nfs4TestClient.NfsError e) {
                        assertTrue(e.status == NfsStatus.NFS4ERR_NOENT || e.status == NfsStatus.NFS4ERR_DELAY,
                                NfsStatus.name(e.status));
                        noent += e.status == NfsStatus.NFS4ERR_NOENT ? 1 : 0;
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(500); // nginx writes its access log line after the response
                int requests = cache.requests().size() - before;
                System.out.printf("10,000 random LOOKUPs in %.1f s: %d NOENT, %d requests reached the cache%n",
                        seconds, noent, requests);
                FetchSettings s = config.faultIn().fetch();
                assertTrue(requests <= s.narinfoPerSecond() * (seconds + 2), requests + " requests in " + seconds + " s");
                assertEquals(1.0, server.metrics().get("nixnfs.fetch.fetches").tag("outcome", "fetched").counter().count(),
                        "and no fetch");
            }
        }
    }

    /** LOOKUPs the path until it is not DELAY; returns how many DELAYs there were (fails on another error). */
    private static int lookupThroughDelays(NixnfsServer server, Nfs4TestClient c, String path) {
        return FaultInLookups.lookupThroughDelays(server, c, path, LOOKUP_TIMEOUT);
    }

    private static int statusThroughDelays(Nfs4TestClient c, String path) throws Exception {
        for (int i = 0; i < 600; i++) {
            try {
                c.lookup(path);
                return NfsStatus.NFS4_OK;
            } catch (Nfs4TestClient.NfsError e) {
                if (e.status != NfsStatus.NFS4ERR_DELAY) {
                    return e.status;
                }
                sleep(100);
            }
        }
        return NfsStatus.NFS4ERR_DELAY;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
