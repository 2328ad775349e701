package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.gc.ColdTier;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.FaultInConfig;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.it.guest.GuestHandshake;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Readme;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * The Linux client (qemu guest) runs, in one boot: a binary from a path only the binary cache
 * (nginx) has, fetched on its first LOOKUP; then a path only this server has, which goes unused
 * past keep-unused (moved clock), is copied to the cold tier and deleted by a real GC run
 * (the store verifies clean, the path is gone from disk), and runs again, fetched back.
 * The guest reports the time from each first exec to its output.
 */
@Tag("vm")
@Tag("slow")
class FaultInKernelTest {
    /** How long the guest may take to reach the next step before the host's signal. */
    private static final Duration GUEST_MAY_TAKE = Duration.ofSeconds(300);

    @Test
    void neverPushedAndEvictedBinariesRunOnTheLinuxClient(@TempDir Path dir) throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "kmod", "cpio", "nginx-light");
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        StorePath tool = builder.build("let dep = " + NixStoreFixture.derivation("dep",
                "/bin/mkdir -p $out; echo dep > $out/data") + "; in " + NixStoreFixture.derivation("tool",
                "/bin/mkdir -p $out/bin; printf '#!/bin/sh\\nread x < ${dep}/data; echo \"tool $x\"\\n' > $out/bin/tool; "
                        + "/bin/chmod +x $out/bin/tool")).get(0);
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("server"));
        StorePath local = nix.build(NixStoreFixture.derivation("local-only",
                "/bin/mkdir -p $out/bin; printf '#!/bin/sh\\necho local here\\n' > $out/bin/local; "
                        + "/bin/chmod +x $out/bin/local")).get(0);

        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "company-cache-1");
             BinaryCacheFixture coldKey = BinaryCacheFixture.create(dir.resolve("coldkey"), "nixnfs-cold-1")) {
            cache.push(builder, tool);
            cache.serve();
            Path cold = dir.resolve("cold");
            MutableClock clock = new MutableClock(Instant.now());
            NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(),
                    new InetSocketAddress("127.0.0.1", 0), Files.createDirectories(dir.resolve("state")))
                    .faultIn(new FaultInConfig(
                            FetchSettings.defaults(List.of(cache.httpUrl()), List.of(cache.publicKey()))
                                    .withHold(Duration.ofMillis(Long.getLong("nixnfs.test.fetchHoldMillis",
                                            FetchSettings.DEFAULT_HOLD.toMillis())))
                                    // qemu (TCG) keeps both cores busy: nginx's first answer may be slower than 3 s
                                    .withNarinfoTimeout(Duration.ofSeconds(30)),
                            new ColdTier(URI.create("file://" + cold), coldKey.secretKey(), 0))).build();
            LinkedBlockingQueue<String> said = new LinkedBlockingQueue<>();
            List<String> timings = new CopyOnWriteArrayList<>();
            try (NixnfsServer server = NixnfsServer.start(config, clock);
                 ServerSocket signal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                HostProcess guest = HostProcess.start("fault-in", List.of(KernelClients.runGuest(), "--timeout", "600",
                        HostTools.guestDir().resolve("fault-in-check.sh").toString(),
                        "PORT=" + server.address().getPort(),
                        "OPTS=" + Readme.recommendedMountOptions() + ",vers=4.2",
                        "TOOL=" + tool.baseName(), "TOOL_OUT=tool dep",
                        "LOCAL=" + local.baseName(), "LOCAL_OUT=local here",
                        "SIGNAL_PORT=" + signal.getLocalPort()),
                        HostTools.repoRoot(), Map.of(), line -> {
                            if (line.startsWith("fault-in: ran local")) {
                                said.add(line);
                            } else if (line.contains("first exec to output")) {
                                timings.add(line);
                            }
                        });
                try (guest) {
                    assertEquals("fault-in: ran local", said.poll(500, TimeUnit.SECONDS), guest.failureReport(-1));
                    assertTrue(nix.isValid(tool), "the never-pushed tool was fetched into the server's store");
                    GuestHandshake.waitForClose(server, local);
                    Thread.sleep(1_000); // whatever the client sends with its CLOSE is a use too
                    clock.advance(Duration.ofDays(30));
                    GcRunResult r = server.gc().collect();
                    assertTrue(r.deleted().stream().map(GcPlan.DeadPath::path).anyMatch(local::equals),
                            "GC evicted the local path: " + r.failures());
                    assertFalse(Files.exists(nix.realPath(local)), "gone from disk");
                    assertTrue(Files.exists(cold.resolve(local.hashPart() + ".narinfo")), "copied to the cold tier");
                    nix.nix(null, "nix-store", "--verify", "--check-contents");
                    GuestHandshake.tell(signal, "evicted", GUEST_MAY_TAKE);
                    int rc = guest.await(Duration.ofSeconds(300));
                    assertEquals(0, rc, guest.failureReport(rc));
                }
                System.out.println("fetch hold " + Long.getLong("nixnfs.test.fetchHoldMillis",
                        FetchSettings.DEFAULT_HOLD.toMillis()) + " ms (0: DELAY at once):");
                timings.forEach(System.out::println);
                assertEquals(3, timings.size(), "timings: " + timings);
                assertTrue(nix.isValid(local), "the evicted path came back");
            }
        }
    }

}
