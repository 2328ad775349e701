package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/**
 * The NFSv4.1 backchannel over real sockets: BIND_CONN_TO_SESSION binds one to a session made
 * without it (then OPENs get delegations), BACKCHANNEL_CTL changes the program and credential
 * callbacks carry, a recalled client reopens its file with CLAIM_DELEG_CUR_FH and returns the
 * delegation, and a session whose backchannel connection is gone says so in SEQUENCE's
 * flags until a connection is bound again.
 */
class BackchannelTest {
    static final int OP_BACKCHANNEL_CTL = 40;
    static final int OP_BIND_CONN_TO_SESSION = 41;
    static final int OP_SEQUENCE = 53;
    static final int CDFC4_FORE_OR_BOTH = 3;
    static final int CDFC4_BACK_OR_BOTH = 7;
    static final int CDFS4_BOTH = 3;
    static final int SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200;
    static final int SHARE_ACCESS_WANT_NO_DELEG = 0x0400;
    static final int OP_OPEN = 18;
    static final int CLAIM_DELEG_CUR_FH = 5;

    static TestStore store;
    static NixnfsServer server;

    @BeforeAll
    static void start() throws Exception {
        store = TestStore.get();
        server = ServerHarness.start(store);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void bindConnToSessionAndBackchannelCtlMakeCallbacksPossible() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 2)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.tool) + "/bin");
            Nfs4TestClient.Opened first = c.open(dir, "tool");
            assertNull(first.delegation(), "no backchannel yet");
            c.close(first);
            assertEquals(0, c.sequenceFlags() & SEQ4_STATUS_CB_PATH_DOWN_SESSION,
                    "a client that never asked for a backchannel is not told it is down");

            c.acceptCallbacks();
            CompoundReply bound = c.raw(new Compound(2).op(OP_BIND_CONN_TO_SESSION).fixed(c.sessionId())
                    .i32(CDFC4_FORE_OR_BOTH).bool(false));
            bound.ok(OP_BIND_CONN_TO_SESSION);
            assertArrayEquals(c.sessionId(), bound.fixed(16));
            assertEquals(CDFS4_BOTH, bound.i32());
            assertFalse(bound.bool());

            Nfs4TestClient.Opened notWanted = c.open(dir, "tool", 1 | SHARE_ACCESS_WANT_NO_DELEG);
            assertNull(notWanted.delegation(), "a client that wants none gets none (OPEN_DELEGATE_NONE_EXT)");
            Nfs4TestClient.Opened second = c.open(dir, "tool");
            Nfs4TestClient.Delegated d = second.delegation();
            assertNotNull(d, "a delegation once the backchannel is bound");
            c.close(second);

            int program = 0x40000007;
            CompoundReply ctl = c.compound(c.newCompound().op(OP_BACKCHANNEL_CTL).i32(program)
                    .i32(1).i32(RpcTestClient.AUTH_SYS).i32(0).string("test").i32(0).i32(0).i32(0));
            assertEquals(0, ctl.next(OP_BACKCHANNEL_CTL));
            c.expectCallbackProgram(program);

            Set<String> path = Set.of(store.tool.hashPart());
            CompletableFuture<Void> recall = CompletableFuture.runAsync(() -> {
                try {
                    server.delegationRecalls().recall(path);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                Nfs4TestClient.Recall r = c.awaitRecall(60_000);
                assertArrayEquals(d.other(), r.other());
                List<RpcTestClient.IncomingCall> calls = c.callbacks();
                assertEquals(RpcTestClient.AUTH_SYS, calls.get(calls.size() - 1).credentialFlavor(),
                        "the credential BACKCHANNEL_CTL asked for");
                // A client with the file open under the delegation opens it for real before returning it.
                CompoundReply reopened = c.compound(c.newCompound().putFh(second.fh()).op(OP_OPEN).i32(0).i32(1).i32(0)
                        .i64(c.clientId()).string("reopener").i32(0).i32(CLAIM_DELEG_CUR_FH).stateId(d.seqid(), d.other()));
                assertEquals(0, reopened.next(22));
                assertEquals(0, reopened.next(OP_OPEN), "OPEN with CLAIM_DELEG_CUR_FH and the delegation's stateid");
                assertEquals(0, c.delegReturn(second.fh(), d.seqid(), d.other()));
                recall.get(60, TimeUnit.SECONDS);
            } finally {
                server.delegationRecalls().recallDone(path);
            }
        }
    }

    @Test
    void aLostBackchannelIsReportedUntilAConnectionIsBoundAgain() throws Exception {
        Nfs4TestClient c = Nfs4TestClient.connectWithBackchannel(server.address(), 1);
        byte[] session = c.sessionId();
        try (Nfs4TestClient other = Nfs4TestClient.connectBare(server.address(), 1)) {
            int seq = 0;
            assertEquals(0, flags(other, session, ++seq) & SEQ4_STATUS_CB_PATH_DOWN_SESSION);
            c.close(); // the backchannel's connection
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int flags;
            do {
                flags = flags(other, session, ++seq);
            } while ((flags & SEQ4_STATUS_CB_PATH_DOWN_SESSION) == 0 && System.nanoTime() < deadline);
            assertEquals(SEQ4_STATUS_CB_PATH_DOWN_SESSION, flags & SEQ4_STATUS_CB_PATH_DOWN_SESSION,
                    "the server noticed the closed connection and says the callback path is down");

            other.rpc().onCall(call -> {
                throw new AssertionError("no callback expected");
            });
            CompoundReply bound = other.raw(new Compound(1).op(OP_BIND_CONN_TO_SESSION).fixed(session)
                    .i32(CDFC4_BACK_OR_BOTH).bool(false));
            bound.ok(OP_BIND_CONN_TO_SESSION);
            bound.fixed(16);
            assertEquals(CDFS4_BOTH, bound.i32());
            assertEquals(0, flags(other, session, ++seq) & SEQ4_STATUS_CB_PATH_DOWN_SESSION, "bound again");
        }
    }

    /** SEQUENCE alone on slot 1 of {@code session}: its sr_status_flags. */
    private static int flags(Nfs4TestClient c, byte[] session, int seqid) throws Exception {
        CompoundReply r = c.raw(new Compound(1).op(OP_SEQUENCE).fixed(session).i32(seqid).i32(1).i32(1).bool(false));
        r.ok(OP_SEQUENCE);
        return Nfs4TestClient.statusFlags(r);
    }
}
