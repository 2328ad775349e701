package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/**
 * Two copies of one CREATE_SESSION (a client's retransmission over a second connection) served
 * at the same moment: exactly one session is made, and the other copy gets its reply byte for
 * byte as a replay (RFC 8881 section 18.36.4), both for a client's first CREATE_SESSION (which
 * confirms it) and for a later one.
 */
class CreateSessionRaceTest {
    static final int ITERATIONS = 300;
    static final ChannelAttributes FORE = new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8);
    static final Object CONN = "connection";

    final StateManager state = new StateManager(90, System::nanoTime);
    final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void twoCopiesOfOneCreateSessionMakeOneSession() throws Exception {
        for (int i = 0; i < ITERATIONS; i++) {
            ClientRecord c = state.exchangeId(("race " + i).getBytes(StandardCharsets.UTF_8), new byte[8], 0,
                    "AUTH_SYS 0:0", 1, "10.0.0.1");
            int seq = state.createSessionSequence(c);
            bothCopies(c, seq, 1); // unconfirmed: the one that wins confirms the client
            bothCopies(c, seq + 1, 2); // confirmed
            for (Session s : c.sessions) { // keeps within the per-address client limit
                state.destroySession(s.id(), CONN);
            }
            state.destroyClientId(c.clientId());
        }
        assertEquals(0, state.sessionCount());
    }

    /** Sends CREATE_SESSION {@code seq} twice at once; the client then has {@code sessions}. */
    void bothCopies(ClientRecord c, int seq, int sessions) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        StateManager.NewSession create = () -> {
            Thread.yield(); // lets the other copy run between the sequence check and the session, if it can
            Session s = state.createSession(c, FORE);
            s.bind(CONN);
            return s.id();
        };
        Future<StateManager.CreateSessionReply> a = pool.submit(() -> {
            start.await();
            return state.createSessionOnce(c, seq, create);
        });
        Future<StateManager.CreateSessionReply> b = pool.submit(() -> {
            start.await();
            return state.createSessionOnce(c, seq, create);
        });
        start.countDown();
        StateManager.CreateSessionReply ra = a.get(30, TimeUnit.SECONDS);
        StateManager.CreateSessionReply rb = b.get(30, TimeUnit.SECONDS);
        assertNotEquals(ra.replay(), rb.replay(), "one copy makes the session, the other is its replay");
        assertArrayEquals(ra.bytes(), rb.bytes());
        assertEquals(sessions, c.sessions.size());
        assertTrue(c.confirmed());
        assertEquals(c, state.session(ra.bytes()).client());
        assertEquals(seq + 1, state.createSessionSequence(c));
    }

    @Test
    void aFailedCreateSessionLeavesTheSequenceForTheRetry() throws NfsException {
        ClientRecord c = state.exchangeId("fails".getBytes(StandardCharsets.UTF_8), new byte[8], 0,
                "AUTH_SYS 0:0", 1, "10.0.0.1");
        int seq = state.createSessionSequence(c);
        NfsException refused = new NfsException(NfsStatus.NFS4ERR_DELAY, "test");
        assertEquals(refused, assertThrows(NfsException.class,
                () -> state.createSessionOnce(c, seq, () -> {
                    throw refused;
                })));
        assertEquals(seq, state.createSessionSequence(c));
        StateManager.CreateSessionReply retry = state.createSessionOnce(c, seq,
                () -> state.createSession(c, FORE).id());
        assertEquals(1, c.sessions.size());
        assertEquals(ByteBuffer.wrap(retry.bytes()), ByteBuffer.wrap(c.sessions.iterator().next().id()));
    }
}
