package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.nfs4.state.StateLimits;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * Read delegations end to end, with the Java test client answering callbacks on its own
 * connection, a real Nix store, a GC clock and a lease clock the test moves: who gets one,
 * READ/TEST_STATEID/FREE_STATEID/DELEGRETURN with its stateid, and GC recalling them before
 * deleting their paths: one client returns its delegation, the other does not and loses it a
 * lease after the recall; GC deletes both paths once they are free.
 */
class DelegationTest {
    static final int LEASE_SECONDS = 90;
    static final int NFS4ERR_BAD_STATEID = 10025;
    static final int NFS4ERR_LOCKS_HELD = 10037;
    static final int NFS4ERR_DELEG_REVOKED = 10087;
    static final int SEQ4_STATUS_RECALLABLE_STATE_REVOKED = 0x40;
    /** OPEN4_SHARE_ACCESS_READ with OPEN4_SHARE_ACCESS_WANT_READ_DELEG. */
    static final int READ_WANTING_DELEGATION = 0x0001 | 0x0100;
    static final int WND4_RESOURCE = 2;

    @Test
    void grantedOverABackchannelRecalledByGcReturnedOrRevoked(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        List<StorePath> p = nix.build("[ (" + NixStoreFixture.derivation("deleg-returned", "printf returned > $out")
                + ") (" + NixStoreFixture.derivation("deleg-kept", "printf kept > $out") + ") ]");
        StorePath returned = p.get(0), kept = p.get(1);
        MutableClock clock = new MutableClock(Instant.now());
        MutableClock leaseClock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).leaseSeconds(LEASE_SECONDS).build();
        try (NixnfsServer server = NixnfsServer.start(config, clock,
                () -> TimeUnit.MILLISECONDS.toNanos(leaseClock.millis()));
             Nfs4TestClient v40 = Nfs4TestClient.connect(server.address(), 0);
             Nfs4TestClient noBack = Nfs4TestClient.connect(server.address(), 1);
             Nfs4TestClient a = Nfs4TestClient.connectWithBackchannel(server.address(), 2);
             Nfs4TestClient b = Nfs4TestClient.connectWithBackchannel(server.address(), 1)) {
            byte[] store = a.lookup("/nix/store");
            Nfs4TestClient.Opened open40 = v40.open(store, returned.baseName());
            assertNull(open40.delegation(), "4.0: no callback connection, no delegation");
            v40.close(open40);
            Nfs4TestClient.Opened open41 = noBack.open(store, returned.baseName());
            assertNull(open41.delegation(), "4.1 without a backchannel: none");
            noBack.close(open41);

            Nfs4TestClient.Opened openA = a.open(store, returned.baseName());
            Nfs4TestClient.Delegated delegA = openA.delegation();
            assertNotNull(delegA, "4.2 with a backchannel: a read delegation");
            Nfs4TestClient.Opened again = a.open(store, returned.baseName());
            assertNull(again.delegation(), "one per client and file");
            assertArrayEquals("returned".getBytes(), a.readAll(openA.fh(), delegA.seqid(), delegA.other(), 4096),
                    "READ takes the delegation's stateid");
            assertEquals(0, testStateId(a, delegA));
            assertEquals(NFS4ERR_LOCKS_HELD, freeStateId(a, delegA), "a held delegation is returned, not freed");
            a.close(again); // the same open, its newer stateid

            Nfs4TestClient.Opened openB = b.open(store, kept.baseName());
            Nfs4TestClient.Delegated delegB = openB.delegation();
            assertNotNull(delegB, "4.1 with a backchannel: a read delegation");
            b.close(openB);
            assertEquals(2, server.state().delegations().count());
            assertEquals(2.0, server.metrics().get("nixnfs.nfs.delegations").gauge().value());

            // Both paths go unused for a month: GC recalls the delegations on them before deleting.
            clock.advance(Duration.ofDays(30));
            CompletableFuture<GcRunResult> gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.gc().collect();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Nfs4TestClient.Recall recallA = a.awaitRecall(60_000);
            assertArrayEquals(delegA.other(), recallA.other());
            assertArrayEquals(openA.fh(), recallA.fh());
            assertEquals(0, a.delegReturn(openA.fh(), delegA.seqid(), delegA.other()), "client A returns it");

            Nfs4TestClient.Recall recallB = b.awaitRecall(60_000);
            assertArrayEquals(delegB.other(), recallB.other()); // client B does not return it
            assertFalse(gc.isDone(), "GC waits for B's delegation");
            leaseClock.advance(Duration.ofSeconds(LEASE_SECONDS - 30));
            b.sequenceFlags(); // both clients keep renewing their leases
            a.sequenceFlags();
            leaseClock.advance(Duration.ofSeconds(31)); // a lease after the recall: the housekeeping revokes it

            GcRunResult r = gc.get(2, TimeUnit.MINUTES);
            Set<StorePath> deleted = r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
            assertTrue(deleted.containsAll(Set.of(returned, kept)), "both paths deleted once free: " + deleted);
            assertFalse(Files.exists(nix.realPath(returned)));
            assertFalse(Files.exists(nix.realPath(kept)));

            assertEquals(SEQ4_STATUS_RECALLABLE_STATE_REVOKED, b.sequenceFlags() & SEQ4_STATUS_RECALLABLE_STATE_REVOKED);
            assertEquals(0, a.sequenceFlags() & SEQ4_STATUS_RECALLABLE_STATE_REVOKED, "A lost nothing");
            assertEquals(NFS4ERR_DELEG_REVOKED, testStateId(b, delegB));
            assertEquals(0, freeStateId(b, delegB));
            assertEquals(0, b.sequenceFlags() & SEQ4_STATUS_RECALLABLE_STATE_REVOKED, "freed: nothing more to tell");
            assertEquals(NFS4ERR_BAD_STATEID, testStateId(b, delegB));
            assertEquals(NFS4ERR_BAD_STATEID, testStateId(a, delegA), "returned: gone");

            assertEquals(1.0, RecallMeters.count(server, "returned"));
            assertEquals(1.0, RecallMeters.count(server, "revoked"));
            assertEquals(0, server.state().delegations().count());
        }
    }

    @Test
    void noneWhenDelegationsAreOff(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath file = nix.build(NixStoreFixture.derivation("deleg-off", "printf off > $out")).get(0);
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).delegations(false).build();
        try (NixnfsServer server = NixnfsServer.start(config);
             Nfs4TestClient c = Nfs4TestClient.connectWithBackchannel(server.address(), 2)) {
            assertNull(c.open(c.lookup("/nix/store"), file.baseName()).delegation());
        }
    }


    /**
     * The delegation limits (serve's --max-delegations-per-client and --max-delegations): over
     * one, the OPEN succeeds with no delegation, OPEN_DELEGATE_NONE_EXT with WND4_RESOURCE to a
     * client that asked for one (RFC 8881 section 18.16.3), plain OPEN_DELEGATE_NONE to one that
     * did not. A returned delegation makes room again.
     */
    @Test
    void overADelegationLimitTheOpenSucceedsWithoutOne(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath files = nix.build(NixStoreFixture.derivation("deleg-limits",
                "/bin/mkdir $out; printf a > $out/a; printf b > $out/b; printf c > $out/c")).get(0);
        StateLimits limits = StateLimits.builder().maxDelegationsPerClient(2).maxDelegations(3).build();
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state")))
                .security(SecuritySettings.builder().stateLimits(limits).build()).build();
        try (NixnfsServer server = NixnfsServer.start(config);
             Nfs4TestClient a = Nfs4TestClient.connectWithBackchannel(server.address(), 2);
             Nfs4TestClient b = Nfs4TestClient.connectWithBackchannel(server.address(), 1)) {
            byte[] path = a.lookup("/nix/store/" + files.baseName());
            Nfs4TestClient.Opened a1 = a.open(path, "a", READ_WANTING_DELEGATION);
            assertNotNull(a1.delegation());
            assertNotNull(a.open(path, "b", READ_WANTING_DELEGATION).delegation());
            Nfs4TestClient.Opened a3 = a.open(path, "c", READ_WANTING_DELEGATION);
            assertNull(a3.delegation(), "2 per client");
            assertEquals(WND4_RESOURCE, a3.whyNone(), "the client asked for one: told why it got none");
            assertArrayEquals("c".getBytes(), a.readAll(a3.fh(), a3.seqid(), a3.other(), 4096), "opened all the same");

            assertNotNull(b.open(path, "a").delegation(), "another client: the third on the server");
            Nfs4TestClient.Opened b2 = b.open(path, "b");
            assertNull(b2.delegation(), "3 on the server");
            assertEquals(-1, b2.whyNone(), "no 'want' bits: plain OPEN_DELEGATE_NONE");
            assertArrayEquals("b".getBytes(), b.readAll(b2.fh(), b2.seqid(), b2.other(), 4096), "opened all the same");
            assertEquals(3, server.state().delegations().count());

            assertEquals(0, a.delegReturn(a1.fh(), a1.delegation().seqid(), a1.delegation().other()));
            assertNotNull(b.open(path, "c").delegation(), "a returned delegation makes room");
        }
    }

    /** TEST_STATEID of one stateid: its status. */
    private static int testStateId(Nfs4TestClient c, Nfs4TestClient.Delegated d) throws Exception {
        CompoundReply r = c.compound(c.newCompound().op(55).i32(1).stateId(d.seqid(), d.other()));
        assertEquals(0, r.next(55));
        assertEquals(1, r.i32());
        return r.i32();
    }

    private static int freeStateId(Nfs4TestClient c, Nfs4TestClient.Delegated d) throws Exception {
        return c.compound(c.newCompound().op(45).stateId(d.seqid(), d.other())).next(45);
    }
}
