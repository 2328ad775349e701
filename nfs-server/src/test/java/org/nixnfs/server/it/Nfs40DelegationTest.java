package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.nfs4.CallbackConnector;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Read delegations over NFSv4.0, over real sockets: the test client listens for the server's
 * callback connection on 127.0.0.1, and the server connects there after SETCLIENTID_CONFIRM
 * (CB_NULL) and recalls over it (CB_COMPOUND, minorversion 0). A client whose callback address
 * cannot be reached, or names another host, gets no delegation and its OPENs work as before.
 */
class Nfs40DelegationTest {
    static final int LEASE_SECONDS = 90;
    static final int NFS4ERR_CB_PATH_DOWN = 10048;

    @Test
    void grantedAfterTheProbeRecalledOverTheCallbackConnectionReturnedOrRevoked(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        List<StorePath> p = nix.build("[ (" + NixStoreFixture.derivation("deleg40-a", "printf first > $out")
                + ") (" + NixStoreFixture.derivation("deleg40-b", "printf second > $out") + ") ]");
        MutableClock clock = new MutableClock(Instant.now());
        MutableClock leaseClock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).leaseSeconds(LEASE_SECONDS).build();
        try (NixnfsServer server = NixnfsServer.start(config, clock,
                () -> TimeUnit.MILLISECONDS.toNanos(leaseClock.millis()));
             Nfs4TestClient c = Nfs4TestClient.connectWithCallbackListener(server.address())) {
            assertEquals(ClientCallback.Status.UP, awaitProbe(server, c));
            assertEquals(1, c.cbNullCount(), "probed with CB_NULL");
            byte[] store = c.lookup("/nix/store");
            Nfs4TestClient.Opened[] opens = new Nfs4TestClient.Opened[2];
            for (int i = 0; i < 2; i++) {
                opens[i] = c.open(store, p.get(i).baseName());
                assertNotNull(opens[i].delegation(), "4.0 with a callback path: a read delegation");
                c.close(opens[i]);
            }
            Nfs4TestClient.Delegated d0 = opens[0].delegation();
            assertArrayEquals("first".getBytes(), c.readAll(opens[0].fh(), d0.seqid(), d0.other(), 4096),
                    "READ takes the delegation's stateid");
            assertEquals(0, renew(c), "RENEW: the path is up");
            assertEquals(2, server.state().delegations().count());

            clock.advance(Duration.ofDays(30));
            CompletableFuture<GcRunResult> gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.gc().collect();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Set<String> recalled = Set.of(key(c.awaitRecall(60_000).other()), key(c.awaitRecall(60_000).other()));
            assertEquals(Set.of(key(opens[0].delegation().other()), key(opens[1].delegation().other())), recalled);
            assertEquals(List.of(2), c.recallsPerCall(), "both recalls in one CB_COMPOUND");
            assertFalse(gc.isDone(), "GC waits for the delegations to come back");
            assertEquals(0, c.delegReturn(opens[0].fh(), d0.seqid(), d0.other()), "the first is returned");
            assertFalse(gc.isDone(), "GC waits for the second, which the client keeps");
            leaseClock.advance(Duration.ofSeconds(LEASE_SECONDS - 30));
            assertEquals(0, renew(c)); // the client keeps its lease
            leaseClock.advance(Duration.ofSeconds(31)); // a lease after the recall: the housekeeping revokes it
            GcRunResult r = gc.get(2, TimeUnit.MINUTES);
            Set<StorePath> deleted = r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
            assertTrue(deleted.containsAll(p), "deleted once returned: " + deleted);
            assertEquals(0, server.state().delegations().count(),
                    "4.0 has no FREE_STATEID: the revoked delegation is gone, not kept for the client to free");
            assertEquals(1.0, RecallMeters.count(server, "returned"));
            assertEquals(1.0, RecallMeters.count(server, "revoked"));

            assertEquals(1, c.callbackConnectionCount(), "one callback connection, kept");
        }
    }

    @Test
    void aLostPathStopsGrantsAndRenewSaysSo(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        List<StorePath> p = nix.build("[ (" + NixStoreFixture.derivation("deleg40-lost", "printf lost > $out")
                + ") (" + NixStoreFixture.derivation("deleg40-after", "printf after > $out") + ") ]");
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        try (NixnfsServer server = NixnfsServer.start(config);
             Nfs4TestClient c = Nfs4TestClient.connectWithCallbackListener(server.address())) {
            assertEquals(ClientCallback.Status.UP, awaitProbe(server, c));
            byte[] store = c.lookup("/nix/store");
            assertNotNull(c.open(store, p.get(0).baseName()).delegation());
            c.dropCallbackPath(); // the connection closes, and making it again fails
            ClientCallback cb = server.state().client(c.clientId()).callback();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (cb.status() != ClientCallback.Status.DOWN && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(ClientCallback.Status.DOWN, cb.status(), "path still up after the client dropped it: "
                    + c.callbackConnectionCount() + " connections made to it, " + c.cbNullCount() + " CB_NULLs");
            assertEquals(NFS4ERR_CB_PATH_DOWN, renew(c), "it holds a delegation it could not be asked for");
            Nfs4TestClient.Opened o = c.open(store, p.get(1).baseName());
            assertNull(o.delegation(), "no path, no new delegation");
            assertArrayEquals("after".getBytes(), c.readAll(o.fh(), o.seqid(), o.other(), 4096));
        }
    }

    @Test
    void aLostConnectionIsMadeAgain(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath file = nix.build(NixStoreFixture.derivation("deleg40-again", "printf again > $out")).get(0);
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        try (NixnfsServer server = NixnfsServer.start(config);
             Nfs4TestClient c = Nfs4TestClient.connectWithCallbackListener(server.address())) {
            assertEquals(ClientCallback.Status.UP, awaitProbe(server, c));
            // A connection lost soon after it was made is not made again at once (see CallbackConnector).
            Thread.sleep(CallbackConnector.RECONNECT_INTERVAL.toMillis() + 500);
            c.dropCallbackConnections();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.cbNullCount() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(2, c.callbackConnectionCount(), "connected again");
            assertEquals(2, c.cbNullCount(), "and probed again");
            ClientCallback cb = server.state().client(c.clientId()).callback();
            while (cb.connection() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(ClientCallback.Status.UP, cb.status());
            assertNotNull(c.open(c.lookup("/nix/store"), file.baseName()).delegation(), "still granted");
        }
    }

    @Test
    void noneWithoutAReachableCallbackOnTheClientsOwnAddress(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath file = nix.build(NixStoreFixture.derivation("deleg40-none", "printf none > $out")).get(0);
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        try (NixnfsServer server = NixnfsServer.start(config);
             ServerSocket otherHost = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"));
             Nfs4TestClient closed = Nfs4TestClient.connectWithCallbackAddress(server.address(), "tcp",
                     "127.0.0.1." + (closedPort >> 8) + "." + (closedPort & 0xff));
             Nfs4TestClient elsewhere = Nfs4TestClient.connectWithCallbackAddress(server.address(), "tcp",
                     "127.0.0.2." + (otherHost.getLocalPort() >> 8) + "." + (otherHost.getLocalPort() & 0xff));
             Nfs4TestClient malformed = Nfs4TestClient.connectWithCallbackAddress(server.address(), "tcp",
                     "127.0.0.1.99999.1")) {
            for (Nfs4TestClient c : List.of(closed, elsewhere, malformed)) {
                assertEquals(ClientCallback.Status.DOWN, awaitProbe(server, c));
                Nfs4TestClient.Opened o = c.open(c.lookup("/nix/store"), file.baseName());
                assertNull(o.delegation(), "no callback path, no delegation");
                assertArrayEquals("none".getBytes(), c.readAll(o.fh(), o.seqid(), o.other(), 4096));
                c.close(o);
                assertEquals(0, renew(c), "holding no delegation, a path that is down is nothing to tell");
            }
            otherHost.setSoTimeout(1);
            assertFalse(accepted(otherHost), "the server never connects to a host the client does not connect from");
            assertEquals(0, server.state().delegations().count());
        }
    }

    @Test
    void aCallbackThatNeverAnswersTiesNothingUp(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath file = nix.build(NixStoreFixture.derivation("deleg40-silent", "printf silent > $out")).get(0);
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        // The kernel completes connections to this socket, but nobody ever reads or answers CB_NULL.
        try (NixnfsServer server = NixnfsServer.start(config);
             ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            String uaddr = "127.0.0.1." + (silent.getLocalPort() >> 8) + "." + (silent.getLocalPort() & 0xff);
            List<Nfs4TestClient> hostile = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) { // more than the connections the server makes at once
                    hostile.add(Nfs4TestClient.connectWithCallbackAddress(server.address(), "tcp", uaddr));
                }
                try (Nfs4TestClient meanwhile = Nfs4TestClient.connect(server.address(), 0)) {
                    Nfs4TestClient.Opened o = meanwhile.open(meanwhile.lookup("/nix/store"), file.baseName());
                    assertArrayEquals("silent".getBytes(), meanwhile.readAll(o.fh(), o.seqid(), o.other(), 4096),
                            "the server answers others while the probes wait");
                }
                for (Nfs4TestClient c : hostile) {
                    assertEquals(ClientCallback.Status.DOWN, awaitProbe(server, c), "unanswered, then down");
                    assertNull(c.open(c.lookup("/nix/store"), file.baseName()).delegation());
                }
            } finally {
                for (Nfs4TestClient c : hostile) {
                    c.close();
                }
            }
        }
    }

    /** Waits until the server has probed the client's callback path (or found it unusable). */
    private static ClientCallback.Status awaitProbe(NixnfsServer server, Nfs4TestClient c) throws Exception {
        ClientCallback cb = server.state().client(c.clientId()).callback();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (cb.status() == ClientCallback.Status.UNKNOWN && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return cb.status();
    }


    private static int renew(Nfs4TestClient c) throws Exception {
        return c.compound(c.newCompound().op(30).i64(c.clientId())).next(30);
    }

    private static boolean accepted(ServerSocket s) throws Exception {
        try {
            s.accept().close();
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static String key(byte[] other) {
        return HexFormat.of().formatHex(other);
    }
}
