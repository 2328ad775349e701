package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/** NFSv4.1 sessions (slots, replay cache, sequencing rules), client ids, opens and leases. */
class SessionAndStateTest {
    static final int NFS4ERR_BAD_STATEID = 10025;
    static final int NFS4ERR_STALE_CLIENTID = 10022;
    static final int NFS4ERR_BADSESSION = 10052;
    static final int NFS4ERR_BADSLOT = 10053;
    static final int NFS4ERR_SEQ_MISORDERED = 10063;
    static final int NFS4ERR_SEQUENCE_POS = 10064;
    static final int NFS4ERR_RETRY_UNCACHED_REP = 10068;
    static final int NFS4ERR_OP_NOT_IN_SESSION = 10071;
    static final int NFS4ERR_NOT_ONLY_OP = 10081;
    static final int NFS4ERR_CLIENTID_BUSY = 10074;
    static final int NFS4ERR_LOCKS_HELD = 10037;

    static final int LEASE_SECONDS = 90;
    /** The clock leases run on: a test moves it past a lease instead of waiting. */
    static final MutableClock leaseClock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    static TestStore store;
    static NixnfsServer server;

    @BeforeAll
    static void start() throws Exception {
        store = TestStore.get();
        NixnfsServer.Config c = NixnfsServer.Config.builder(store.nix.storeRoot(),
                new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-state"))
                .leaseSeconds(LEASE_SECONDS).build();
        server = NixnfsServer.start(c, () -> TimeUnit.MILLISECONDS.toNanos(leaseClock.millis()));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Compound sequence(Nfs4TestClient c, int seqid, int slot, boolean cacheThis) {
        return new Compound(1).op(53).fixed(c.sessionId()).i32(seqid).i32(slot).i32(0).bool(cacheThis);
    }

    private static byte[] rawReply(Nfs4TestClient c, Compound compound) throws Exception {
        RpcTestClient.Reply r = c.rpc().call(100003, 4, 1, 1, RpcTestClient.authSysRoot(), compound.encode());
        byte[] b = new byte[r.body().remaining()];
        r.body().buffer().readBytes(b);
        return b;
    }

    @Test
    void aRetransmissionIsAnsweredFromTheReplayCache() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            Compound req = sequence(c, 1, 3, true).putRootFh().lookup("nix").getFh();
            byte[] first = rawReply(c, req);
            byte[] replay = rawReply(c, sequence(c, 1, 3, true).putRootFh().lookup("nix").getFh());
            assertArrayEquals(first, replay);

            Compound uncached = sequence(c, 1, 4, false).putRootFh();
            c.raw(uncached).ok(53);
            assertEquals(NFS4ERR_RETRY_UNCACHED_REP, c.raw(sequence(c, 1, 4, false).putRootFh()).next(53));
            assertEquals(NFS4ERR_SEQ_MISORDERED, c.raw(sequence(c, 5, 4, false).putRootFh()).next(53));
            assertEquals(NFS4ERR_BADSLOT, c.raw(sequence(c, 1, 100_000, false).putRootFh()).next(53));
        }
    }

    @Test
    void sessionSequencingRules() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            assertEquals(NFS4ERR_OP_NOT_IN_SESSION, c.raw(new Compound(1).putRootFh()).next(24));
            CompoundReply r = c.raw(new Compound(1).op(42).fixed(new byte[8]).string("x").i32(0).i32(0).i32(0).putRootFh());
            assertEquals(NFS4ERR_NOT_ONLY_OP, r.next(42));
            r = c.compound(c.newCompound().op(53).fixed(c.sessionId()).i32(1).i32(1).i32(0).bool(false));
            assertEquals(NFS4ERR_SEQUENCE_POS, r.next(53));
            byte[] bogus = new byte[16];
            Compound bad = new Compound(1).op(53).fixed(bogus).i32(1).i32(0).i32(0).bool(false);
            assertEquals(NFS4ERR_BADSESSION, c.raw(bad).next(53));
        }
    }

    @Test
    void opensAreTrackedPerStorePathAndClosed() throws Exception {
        for (int minor : new int[] {0, 1}) {
            try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
                byte[] dir = c.lookup(TestStore.exportPath(store.tool) + "/include");
                Nfs4TestClient.Opened o = c.open(dir, "tool.h");
                assertEquals(1, server.state().openCount(store.tool.hashPart()), "GC sees the open");
                c.close(o);
                assertEquals(0, server.state().openCount(store.tool.hashPart()));
                CompoundReply r = c.compound(c.newCompound().putFh(o.fh()).read(o.seqid(), o.other(), 0, 10));
                r.ok(22);
                int s = r.next(25);
                assertEquals(NFS4ERR_BAD_STATEID, s, "READ with a closed stateid");
            }
        }
    }

    @Test
    void testAndFreeStateId() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            Nfs4TestClient.Opened o = c.open(c.lookup(TestStore.exportPath(store.tool) + "/bin"), "tool");
            CompoundReply r = c.compound(c.newCompound().op(55).i32(2).stateId(0, o.other()).stateId(0, new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
            r.ok(55);
            assertEquals(2, r.i32());
            assertEquals(0, r.i32());
            assertEquals(NFS4ERR_BAD_STATEID, r.i32());
            r = c.compound(c.newCompound().op(45).stateId(0, o.other()));
            assertEquals(NFS4ERR_LOCKS_HELD, r.next(45), "an open stateid is freed by CLOSE");
            c.close(o);
        }
    }

    @Test
    void createSessionRetransmissionReturnsTheSameSession() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            CompoundReply r = c.raw(new Compound(1).op(42).fixed(new byte[8]).string("replay-owner").i32(0).i32(0).i32(0));
            r.ok(42);
            long clientId = r.i64();
            int seq = r.i32();
            Compound create = createSession(clientId, seq);
            CompoundReply a = c.raw(create);
            a.ok(43);
            byte[] first = a.fixed(16);
            CompoundReply b = c.raw(createSession(clientId, seq));
            b.ok(43);
            assertArrayEquals(first, b.fixed(16));
            assertEquals(NFS4ERR_CLIENTID_BUSY, c.raw(new Compound(1).op(57).i64(clientId)).next(57));
            c.raw(new Compound(1).op(44).fixed(first)).ok(44);
            c.raw(new Compound(1).op(57).i64(clientId)).ok(57);
        }
    }

    static Compound createSession(long clientId, int seq) {
        return new Compound(1).op(43).i64(clientId).i32(seq).i32(0)
                .i32(0).i32(1 << 20).i32(1 << 20).i32(8192).i32(16).i32(8).i32(0)
                .i32(0).i32(4096).i32(4096).i32(0).i32(2).i32(1).i32(0)
                .i32(0x40000000).i32(1).i32(0);
    }

    @Test
    void clientsThatStopRenewingLoseTheirState() throws Exception {
        try (Nfs4TestClient v41 = Nfs4TestClient.connect(server.address(), 1);
             Nfs4TestClient v40 = Nfs4TestClient.connect(server.address(), 0)) {
            v41.open(v41.lookup(TestStore.exportPath(store.tool) + "/bin"), "tool");
            leaseClock.advance(Duration.ofSeconds(2 * LEASE_SECONDS));
            server.state().expireStaleClients(); // what the server's housekeeping does every second
            assertEquals(0, server.state().openCount(store.tool.hashPart()));
            assertEquals(NFS4ERR_BADSESSION, v41.raw(v41.withSequence(v41.newCompound().putRootFh())).next(53));
            assertEquals(NFS4ERR_STALE_CLIENTID, v40.raw(new Compound(0).op(30).i64(v40.clientId())).next(30));
            // Both recover the standard way.
            v41.establish("after-expiry-41");
            v40.establish("after-expiry-40");
            v41.lookup("/nix/store");
            v40.lookup("/nix/store");
        }
    }

    @Test
    void unknownClientIdIsStale() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 0)) {
            assertEquals(NFS4ERR_STALE_CLIENTID, c.raw(new Compound(0).op(36).i64(12345).fixed(new byte[8])).next(36));
        }
    }
}
