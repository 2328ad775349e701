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
