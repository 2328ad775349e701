package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.fetch.FetchSettings;
import org.nixnfs.server.FaultInConfig;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.GuestHandshake;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.testing.Readme;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.BinaryCacheFixture;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * e2e/run's steps (f) and (g) with the Linux client (qemu guest) on one mount with README's
 * options: the guest asks for a path only a binary cache has while the server runs without
 * fault-in ("no such file", which {@code lookupcache=all} caches), the server restarts on the
 * same port and state with fault-in on, and the guest must then run the path without a remount.
 * The store's set of valid paths is the same before and after, so only the change attribute's
 * fault-in part tells the client its cached "no such file" may be wrong. Waits for the guest to
 * run it (at most LIMIT_SECONDS) and prints how long it took.
 */
@Tag("vm")
@Tag("slow")
class FaultInRestartKernelTest {
    private static final int LIMIT_SECONDS = 60;

    @Test
    void aPathAskedForWithoutFaultInRunsOnceTheServerRestartsWithIt(@TempDir Path dir) throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "kmod", "cpio", "nginx-light");
        NixStoreFixture builder = NixStoreFixture.create(dir.resolve("builder"));
        StorePath tool = builder.build(NixStoreFixture.derivation("tool",
                "/bin/mkdir -p $out/bin; printf '#!/bin/sh\\necho tool here\\n' > $out/bin/tool; "
                        + "/bin/chmod +x $out/bin/tool")).get(0);
        NixStoreFixture nix = NixStoreFixture.create(dir.resolve("server"));
        nix.build(NixStoreFixture.derivation("already-there", "printf x > $out"));
        Path state = Files.createDirectories(dir.resolve("state"));

        try (BinaryCacheFixture cache = BinaryCacheFixture.create(dir.resolve("bc"), "company-cache-1");
             ServerSocket signal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            cache.push(builder, tool);
            cache.serve();
            LinkedBlockingQueue<String> said = new LinkedBlockingQueue<>();
            NixnfsServer without = NixnfsServer.start(NixnfsServer.Config.builder(nix.storeRoot(),
                    new InetSocketAddress("127.0.0.1", 0), state).build());
            int port = without.address().getPort();
            HostProcess guest;
            try {
                guest = HostProcess.start("fault-in-restart", List.of(KernelClients.runGuest(), "--timeout", "600",
                                HostTools.guestDir().resolve("fault-in-restart-check.sh").toString(),
                                "PORT=" + port, "OPTS=" + Readme.recommendedMountOptions() + ",vers=4.2",
                                "TOOL=" + tool.baseName(), "TOOL_OUT=tool here", "LIMIT=" + LIMIT_SECONDS,
                                "SIGNAL_PORT=" + signal.getLocalPort()),
                        HostTools.repoRoot(), Map.of(), line -> {
                            if (line.startsWith("fault-in-restart: ")) {
                                said.add(line);
                            }
                        });
            } catch (RuntimeException | Error e) {
                without.close();
                throw e;
            }
            try (guest) {
                try (without) {
                    assertEquals("fault-in-restart: asked", said.poll(500, TimeUnit.SECONDS), guest.failureReport(-1));
                    assertFalse(nix.isValid(tool), "no fault-in yet");
                }
                NixnfsServer.Config withFaultIn = NixnfsServer.Config.builder(nix.storeRoot(),
                                new InetSocketAddress("127.0.0.1", port), state)
                        .faultIn(new FaultInConfig(FetchSettings.defaults(List.of(cache.httpUrl()),
                                        List.of(cache.publicKey()))
                                // qemu (TCG) keeps both cores busy: nginx's first answer may be slower than 3 s
                                .withNarinfoTimeout(Duration.ofSeconds(30)), null))
                        .build();
                try (NixnfsServer server = NixnfsServer.start(withFaultIn)) {
                    GuestHandshake.tell(signal, "restarted", Duration.ofSeconds(300));
                    int rc = guest.await(Duration.ofSeconds(LIMIT_SECONDS + 120));
                    assertEquals(0, rc, guest.failureReport(rc));
                    assertTrue(nix.isValid(tool), "fetched into the server's store on the guest's lookup");
                }
                guest.lines().stream().filter(l -> l.contains("fault-in-restart: runs")).forEach(System.out::println);
            }
        }
    }
}
