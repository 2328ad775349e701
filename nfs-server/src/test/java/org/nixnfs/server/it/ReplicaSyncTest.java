package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.server.FaultInConfig;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The replica set end to end, each server over its own real Nix store: a closure pushed to the
 * primary ({@code nix copy} into its store, as rules_nixpkgs does over SSH) is published by the
 * primary (--publish-to, signed) to a directory nginx serves as a binary cache, and read through
 * a replica that never had it (--substituters that cache, trusting its key), which faults it in
 * on LOOKUP. The use on the replica reaches the primary's usage (--usage-from), so the primary's
 * GC keeps the path. Push → readable on the replica is measured and printed.
 */
@Tag("slow")
class ReplicaSyncTest {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

    @Test
    void aPathPushedToThePrimaryIsReadThroughAReplicaThatNeverHadIt(@TempDir Path dir) throws Exception {
        NixStoreFixture client = NixStoreFixture.create(dir.resolve("client")); // the machine running bazel
        StorePath tool = client.build("let dep = " + NixStoreFixture.derivation("sync-dep",
                "/bin/mkdir -p $out; echo dep > $out/data") + "; in " + NixStoreFixture.derivation("sync-tool",
                "/bin/mkdir -p $out/bin; echo \"#!/bin/sh\\necho from ${dep}\" > $out/bin/tool")).get(0);
        byte[] toolBytes = Files.readAllBytes(client.realPath(tool).resolve("bin/tool"));
        NixStoreFixture primaryStore = NixStoreFixture.create(dir.resolve("primary"));
        NixStoreFixture replicaStore = NixStoreFixture.create(dir.resolve("replica"));

        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "nixnfs-replicas-1").serve()) {
            NixnfsServer.Config replicaConfig = NixnfsServer.Config.builder(replicaStore.storeRoot(),
                            new InetSocketAddress("127.0.0.1", 0), Files.createDirectories(dir.resolve("replica-state")))
                    .adminListen(new InetSocketAddress("127.0.0.1", 0))
                    .faultIn(new FaultInConfig(FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey()))
                            // 3 s is for production; on a loaded 2-core CI machine nginx's first answer can take
                            // longer, and a timed-out narinfo is (correctly) NOENT
                            .withNarinfoTimeout(Duration.ofSeconds(30)), null))
                    .build();
            try (NixnfsServer replica = NixnfsServer.start(replicaConfig)) {
                URI replicaAdmin = URI.create("http://127.0.0.1:" + replica.adminAddress().getPort());
                NixnfsServer.Config primaryConfig = NixnfsServer.Config.builder(primaryStore.storeRoot(),
                                new InetSocketAddress("127.0.0.1", 0), Files.createDirectories(dir.resolve("primary-state")))
                        .publish(NixnfsServer.Config.Publishing.to(cache.fileUrl().toString(), cache.secretKey()))
                        .usagePull(new NixnfsServer.Config.UsagePull(List.of(replicaAdmin), Duration.ofMillis(200)))
                        .build();
                try (NixnfsServer primary = NixnfsServer.start(primaryConfig);
                     Nfs4TestClient executor = Nfs4TestClient.connect(replica.address(), 2)) {
                    long t0 = System.nanoTime();
                    client.nix(null, "nix", "--extra-experimental-features", "nix-command", "copy", "--no-check-sigs",
                            "--to", primaryStore.storeRoot().toString(), tool.fullPath());
                    long pushed = System.nanoTime();
                    await(() -> published(primary) >= 2 && backlog(primary) == 0, "the primary publishes the closure");
                    long isPublished = System.nanoTime();

                    String file = "/nix/store/" + tool.baseName() + "/bin/tool";
                    int delays = FaultInLookups.lookupThroughDelays(replica, executor, file,
                            Duration.ofNanos(TIMEOUT_NANOS));
                    byte[] read = executor.readAll(executor.lookup(file), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096);
                    long readable = System.nanoTime();
                    assertArrayEquals(toolBytes, read);
                    assertTrue(replicaStore.isValid(tool), "fetched into the replica's own store");
                    System.out.printf("replica sync: push (nix copy) %d ms, pushed → published %d ms, published → "
                                    + "read through the replica %d ms (%d DELAY answers); push → readable %d ms%n",
                            ms(pushed - t0), ms(isPublished - pushed), ms(readable - isPublished), delays, ms(readable - t0));

                    await(() -> primary.usage().usage(tool.hashPart()).map(u -> u.clients().keySet().stream()
                            .anyMatch(k -> k.contains(" via 127.0.0.1:" + replicaAdmin.getPort()))).orElse(false),
                            "the primary pulls the replica's use of the tool");
                    GcPlan plan = primary.gc().with(primary.gc().policy().withGrace(Duration.ZERO), Clock.systemUTC())
                            .plan();
                    assertFalse(plan.paths().stream().anyMatch(d -> d.path().equals(tool)),
                            "used through the replica: the primary's GC keeps it; dead: " + plan.paths());
                    assertEquals(0.0, primary.metrics().get("nixnfs.publish.failures").counter().count());
                }
            }
        }
    }

    private static double published(NixnfsServer s) {
        return s.metrics().get("nixnfs.publish.published.paths").counter().count();
    }

    private static double backlog(NixnfsServer s) {
        return s.metrics().get("nixnfs.publish.backlog.paths").gauge().value();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Waits for a condition the servers reach on their own, checking it every 10 ms. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }
}
