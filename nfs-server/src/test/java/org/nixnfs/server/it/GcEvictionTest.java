package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.it.guest.GuestHandshake;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Readme;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Executors see eviction cleanly: a Linux client (qemu guest) holds a store file open while GC
 * runs with that path long unused; GC keeps it while it is open, the guest reads it to the end,
 * and once the guest closes it the next run deletes it and the guest no longer sees it.
 *
 * <p>Over 4.2 with read delegations (the same boot): opening one file 100 times sends at most a
 * few OPENs and CLOSEs (the guest counts them in its mountstats); {@code ls -l} of 51 files it
 * has read under delegations sends at most a few GETATTRs (README's {@code noatime}: without it
 * the client asks for each file's atime, one GETATTR per file); and GC recalls the delegation
 * on a path no longer used before it deletes it; the guest returns it and then sees the path
 * gone, with no hang and no I/O error.
 */
@Tag("vm")
@Tag("slow")
class GcEvictionTest {
    /** How long the guest may take to reach the next step before the host's signal. */
    private static final Duration GUEST_MAY_TAKE = Duration.ofSeconds(120);

    @Test
    void anOpenFileIsNotEvictedUntilItIsClosed(@TempDir Path dir) throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "kmod", "cpio");
        NixStoreFixture nix = NixStoreFixture.create(dir);
        List<StorePath> built = nix.build("[ (" + NixStoreFixture.derivation("victim",
                "/bin/mkdir -p $out/lib; /usr/bin/seq 1 300000 > $out/lib/data") + ") ("
                + NixStoreFixture.derivation("bystander", "printf x > $out") + ") ("
                + NixStoreFixture.derivation("delegated", "/bin/mkdir -p $out/include; printf '#define X 1' > $out/include/x.h;"
                        + " for i in $(/usr/bin/seq 1 50); do echo \"#define H$i $i\" > $out/include/h$i.h; done")
                + ") ]");
        StorePath victim = built.get(0);
        StorePath bystander = built.get(1);
        StorePath delegated = built.get(2);
        byte[] data = Files.readAllBytes(nix.realPath(victim).resolve("lib/data"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));

        MutableClock clock = new MutableClock(Instant.now());
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        LinkedBlockingQueue<String> said = new LinkedBlockingQueue<>();
        try (NixnfsServer server = NixnfsServer.start(config, clock);
             ServerSocket signal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HostProcess guest = HostProcess.start("gc-open", List.of(KernelClients.runGuest(), "--timeout", "400",
                    HostTools.guestDir().resolve("gc-open-check.sh").toString(), "PORT=" + server.address().getPort(),
                    "OPTS=" + Readme.recommendedMountOptions() + ",vers=4.2", "VICTIM=" + victim.baseName(),
                    "FILE=lib/data", "SHA=" + sha, "DELEGATED=" + delegated.baseName(), "DFILE=include/x.h",
                    "SIGNAL_PORT=" + signal.getLocalPort()),
                    HostTools.repoRoot(), Map.of(), line -> {
                        if (line.startsWith("gc-open: holding") || line.startsWith("gc-open: closed")) {
                            said.add(line);
                        }
                    });
            try (guest) {
                assertEquals("gc-open: holding", said.poll(300, TimeUnit.SECONDS));
                assertTrue(server.state().delegations().delegatedStorePaths().contains(delegated.hashPart()),
                        "the guest holds a read delegation on the file it opened 100 times");
                clock.advance(Duration.ofDays(60)); // everything is long unused now
                GcRunResult first = server.gc().collect();
                assertTrue(deleted(first).contains(bystander), "unused paths go");
                assertTrue(deleted(first).contains(delegated), "a delegated path no longer used goes, once recalled");
                assertFalse(Files.exists(nix.realPath(delegated)));
                assertTrue(RecallMeters.count(server, "returned") >= 1, "the guest returned the recalled delegation");
                assertFalse(deleted(first).contains(victim), "but not one a client has open");
                assertTrue(Files.exists(nix.realPath(victim)));
                GuestHandshake.tell(signal, "collected", GUEST_MAY_TAKE);

                assertEquals("gc-open: closed", said.poll(120, TimeUnit.SECONDS));
                GuestHandshake.waitForClose(server, victim);
                Thread.sleep(1_000); // whatever the client sends with its CLOSE is a use too
                clock.advance(Duration.ofDays(30));
                GcRunResult second = server.gc().collect();
                assertTrue(deleted(second).contains(victim), "closed and unused: collected");
                GuestHandshake.tell(signal, "collected", GUEST_MAY_TAKE);
                int rc = guest.await(Duration.ofSeconds(120));
                assertEquals(0, rc, guest.failureReport(rc));
            }
        }
    }

    private static List<StorePath> deleted(GcRunResult r) {
        return r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toList());
    }
}
