package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;

/**
 * The RFC 8881 rules that live in the COMPOUND processor and the session operations, over a real
 * connection: the negotiated sizes (2.10.6.4), the replay cache (2.10.6.1.3, and CREATE_SESSION's
 * own, 18.36.4), DESTROY_SESSION's placement and connection (18.37.3), and the tag's UTF-8 (14.4).
 */
class SessionRulesTest extends SharedServerTest {
    static final int SEQUENCE = 53;
    static final int DESTROY_SESSION = 44;
    static final int NFS4ERR_NOENT = 2;
    static final int NFS4ERR_INVAL = 22;
    static final int NFS4ERR_CONN_NOT_BOUND_TO_SESSION = 10055;
    static final int NFS4ERR_REQ_TOO_BIG = 10065;
    static final int NFS4ERR_REP_TOO_BIG = 10066;
    static final int NFS4ERR_REP_TOO_BIG_TO_CACHE = 10067;
    static final int NFS4ERR_NOT_ONLY_OP = 10081;

    /** A fresh client id and a session with these fore-channel sizes; returns the session id. */
    static byte[] session(Nfs4TestClient c, String owner, int maxRequest, int maxResponse, int maxCached)
            throws Exception {
        CompoundReply r = c.raw(new Compound(1).op(42).fixed(new byte[8]).string(owner).i32(0).i32(0).i32(0));
        r.ok(42);
        long clientId = r.i64();
        int seq = r.i32();
        CompoundReply s = c.raw(createSession(clientId, seq, maxRequest, maxResponse, maxCached));
        s.ok(43);
        return s.fixed(16);
    }

    /** CREATE_SESSION with these fore-channel sizes, 8 slots, and a back channel. */
    static Compound createSession(long clientId, int seq, int maxRequest, int maxResponse, int maxCached) {
        return new Compound(1).op(43).i64(clientId).i32(seq).i32(0)
                .i32(0).i32(maxRequest).i32(maxResponse).i32(maxCached).i32(16).i32(8).i32(0)
                .i32(0).i32(4096).i32(4096).i32(0).i32(2).i32(1).i32(0)
                .i32(0x40000000).i32(1).i32(0);
    }

    static Compound sequence(byte[] sessionId, int seqid, boolean cacheThis) {
        return new Compound(1).op(SEQUENCE).fixed(sessionId).i32(seqid).i32(0).i32(0).bool(cacheThis);
    }

    /** Checks SEQUENCE succeeded and reads past its result. */
    static CompoundReply sequenceOk(CompoundReply r) {
        r.ok(SEQUENCE).fixed(16);
        for (int i = 0; i < 5; i++) {
            r.i32();
        }
        return r;
    }

    static byte[] rawReply(Nfs4TestClient c, Compound compound) throws Exception {
        RpcTestClient.Reply r = c.rpc().call(100003, 4, 1, 1, RpcTestClient.authSysRoot(), compound.encode());
        byte[] b = new byte[r.body().remaining()];
        r.body().buffer().readBytes(b);
        return b;
    }

    @Test
    void rfc8881_2_10_6_4_aRequestOverCaMaxRequestSizeIsReqTooBig() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "req-too-big", 512, 1 << 20, 8192);
            CompoundReply r = c.raw(sequence(id, 1, false).putRootFh().lookup("x".repeat(600)));
            assertEquals(NFS4ERR_REQ_TOO_BIG, r.next(SEQUENCE));
            sequenceOk(c.raw(sequence(id, 1, false).putRootFh().lookup("nix"))).ok(24).ok(15); // the slot was not used
        }
    }

    @Test
    void rfc8881_2_10_6_4_aReplyOverCaMaxResponseSizeIsRepTooBigOnTheOperationThatOverflows() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "rep-too-big", 1 << 20, 120, 120);
            Compound getFhs = sequence(id, 1, false).putRootFh();
            for (int i = 0; i < 10; i++) {
                getFhs.getFh();
            }
            CompoundReply r = c.raw(getFhs);
            sequenceOk(r).ok(24);
            int failed = 0;
            for (int i = 0; i < 10 && failed == 0; i++) {
                failed = r.next(10);
                if (failed == 0) {
                    r.opaque();
                }
            }
            assertEquals(NFS4ERR_REP_TOO_BIG, failed);
            assertEquals(NFS4ERR_REP_TOO_BIG, r.status());
        }
    }

    @Test
    void rfc8881_18_46_3_aReplyToCacheOverCaMaxResponseSizeCachedIsRepTooBigToCache() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "too-big-to-cache", 1 << 20, 1 << 20, 100);
            CompoundReply r = c.raw(sequence(id, 1, true).putRootFh().getFh().getFh());
            sequenceOk(r).ok(24);
            assertEquals(NFS4ERR_REP_TOO_BIG_TO_CACHE, r.next(10));
            sequenceOk(c.raw(sequence(id, 2, false).putRootFh().getFh().getFh())).ok(24).ok(10);
        }
    }

    @Test
    void rfc8881_2_10_6_1_3_aFailedRequestIsReplayedByteForByte() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "replay-failed", 1 << 20, 1 << 20, 8192);
            byte[] first = rawReply(c, sequence(id, 1, true).putRootFh().lookup("no-such-entry").getFh());
            byte[] again = rawReply(c, sequence(id, 1, true).putRootFh().lookup("no-such-entry").getFh());
            assertArrayEquals(first, again);
            CompoundReply r = c.raw(sequence(id, 1, true).putRootFh().lookup("no-such-entry").getFh());
            sequenceOk(r).ok(24);
            assertEquals(NFS4ERR_NOENT, r.next(15));
        }
    }

    /**
     * The session operations' own retransmissions: CREATE_SESSION is answered from the client's
     * one-slot CREATE_SESSION cache (18.36.4), a SEQUENCE alone from the slot's (2.10.6.1.3),
     * both byte for byte.
     */
    @Test
    void rfc8881_18_36_4_and_2_10_6_1_3_sessionOperationsAreReplayedByteForByte() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            CompoundReply r = c.raw(new Compound(1).op(42).fixed(new byte[8]).string("replay-session-ops").i32(0).i32(0)
                    .i32(0));
            r.ok(42);
            long clientId = r.i64();
            int seq = r.i32();
            byte[] created = rawReply(c, createSession(clientId, seq, 1 << 20, 1 << 20, 8192));
            assertArrayEquals(created, rawReply(c, createSession(clientId, seq, 1 << 20, 1 << 20, 8192)));
            CompoundReply s = c.raw(createSession(clientId, seq, 1 << 20, 1 << 20, 8192));
            s.ok(43);
            byte[] id = s.fixed(16);

            byte[] sequenced = rawReply(c, sequence(id, 1, true));
            assertArrayEquals(sequenced, rawReply(c, sequence(id, 1, true)));
        }
    }

    @Test
    void rfc8881_18_37_3_destroySessionAfterItsOwnSequenceMustBeLast() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "destroy-last", 1 << 20, 1 << 20, 8192);
            CompoundReply r = c.raw(sequence(id, 1, false).op(DESTROY_SESSION).fixed(id).putRootFh());
            sequenceOk(r);
            assertEquals(NFS4ERR_NOT_ONLY_OP, r.next(DESTROY_SESSION));
            sequenceOk(c.raw(sequence(id, 2, false).putRootFh().op(DESTROY_SESSION).fixed(id))).ok(24).ok(DESTROY_SESSION);
        }
    }

    @Test
    void rfc8881_18_37_3_destroySessionMustComeOverAConnectionBoundToTheSession() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 1);
             Nfs4TestClient other = Nfs4TestClient.connectBare(server.address(), 1)) {
            byte[] id = session(c, "destroy-bound", 1 << 20, 1 << 20, 8192);
            assertEquals(NFS4ERR_CONN_NOT_BOUND_TO_SESSION,
                    other.raw(new Compound(1).op(DESTROY_SESSION).fixed(id)).next(DESTROY_SESSION));
            other.raw(sequence(id, 1, false).putRootFh()).ok(SEQUENCE); // SP4_NONE: SEQUENCE binds the connection
            other.raw(new Compound(1).op(DESTROY_SESSION).fixed(id)).ok(DESTROY_SESSION);
        }
    }

    @Test
    void rfc8881_14_4_aTagThatIsNotUtf8IsInval() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            CompoundReply r = c.raw(c.withSequence(c.newCompound().putRootFh()).tag(new byte[] {'a', (byte) 0xff}));
            assertEquals(NFS4ERR_INVAL, r.status());
            assertEquals(0, r.resultCount());
            c.raw(new Compound(0).tag("ünïcode").putRootFh()).ok(24);
        }
    }
}
