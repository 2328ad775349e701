package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.vfs.FileHandle;

/**
 * Client ids, sessions, leases and stateids, on a clock the test moves: nothing here waits for
 * a lease to run out.
 */
class StateManagerTest {
    static final int LEASE = 90;
    static final ChannelAttributes FORE = new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8);
    static final FileHandle FILE = new FileHandle(new byte[] {1, 2, 3});
    static final byte[] V1 = bytes("verifier");
    static final byte[] V2 = bytes("rebooted");
    static final String P = "AUTH_SYS 0:0";
    static final Object CONN = "connection 1";

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final StateManager state = new StateManager(LEASE, () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static int status(Executable e) {
        return assertThrows(NfsException.class, e).status();
    }

    /** EXCHANGE_ID and CREATE_SESSION: a confirmed 4.1 client with one session. */
    Session establish41(String owner, byte[] verifier) throws NfsException {
        ClientRecord c = state.exchangeId(bytes(owner), verifier, 0, P, 1, "10.0.0.1");
        Session[] made = new Session[1];
        state.createSessionOnce(c, state.createSessionSequence(c), () -> {
            made[0] = state.createSession(c, FORE);
            made[0].bind(CONN);
            return new byte[] {7};
        });
        return made[0];
    }

    /** SETCLIENTID and SETCLIENTID_CONFIRM: a confirmed 4.0 client. */
    ClientRecord establish40(String owner, byte[] verifier) throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(bytes(owner), verifier, P, "10.0.0.2");
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        return state.client(r.clientId());
    }

    void advance(int seconds) {
        clock.advance(Duration.ofSeconds(seconds));
    }

    @Test
    void aClientThatRenewsKeepsItsState() throws NfsException {
        Session s = establish41("renewing", V1);
        StateId open = state.opens().open(s.client(), bytes("o"), FILE, "hash", 1, 0);
        for (int i = 0; i < 5; i++) {
            advance(LEASE - 1);
            state.renew(s.client()); // what SEQUENCE does
            assertEquals(0, state.expireStaleClients());
        }
        assertSame(s, state.session(s.id()));
        assertEquals(1, state.openState(open, 1).seqid());
    }

    @Test
    void aClientThatStopsRenewingLosesSessionsOpensAndLocks() throws NfsException {
        Session s = establish41("silent", V1);
        StateId open = state.opens().open(s.client(), bytes("o"), FILE, "hash", 1, 0);
        StateId lock = state.opens().lock(state.openState(open, 1), bytes("l"));
        advance(LEASE);
        assertEquals(0, state.expireStaleClients(), "a full lease is not yet past it");
        advance(1);
        assertEquals(1, state.expireStaleClients());
        assertEquals(NfsStatus.NFS4ERR_BADSESSION, status(() -> state.session(s.id())));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, status(() -> state.openState(open, 1)));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, status(() -> state.lockState(lock, 1)));
        assertEquals(0, state.openCount("hash"));
        assertEquals(0, state.opens().lockStateCount());
        assertEquals(0, state.clientCount());
        assertEquals(NfsStatus.NFS4ERR_EXPIRED, status(() -> state.opens().open(s.client(), bytes("o"), FILE, "hash", 1, 0)),
                "an OPEN racing with expiry cannot leave an open behind");
    }

    @Test
    void a40ClientRenewsByUsingItsClientIdOrItsStateids() throws NfsException {
        ClientRecord c = establish40("v40", V1);
        StateId open = state.opens().open(c, bytes("o"), FILE, null, 1, 0);
        advance(LEASE - 1);
        state.client(c.clientId()); // RENEW
        advance(LEASE - 1);
        state.openState(open, 0); // READ with the open's stateid
        advance(LEASE - 1);
        assertEquals(0, state.expireStaleClients());
        advance(2);
        assertEquals(1, state.expireStaleClients());
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.client(c.clientId())));
    }

    @Test
    void unconfirmedClientsAreForgottenAfterALease() throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(bytes("never-confirms"), V1, P, "10.0.0.3");
        advance(LEASE + 1);
        state.expireStaleClients();
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.confirmClientId(r.clientId(), r.confirmVerifier())));
    }

    @Test
    void setClientIdConfirmIsIdempotentAndAWrongVerifierIsStale() throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(bytes("c"), V1, P, "a");
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        state.confirmClientId(r.clientId(), r.confirmVerifier()); // a retransmission
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.confirmClientId(r.clientId(), new byte[8])));
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.client(12345)));
    }

    @Test
    void aRebooted40ClientReplacesItsOldStateOnConfirm() throws NfsException {
        ClientRecord old = establish40("reboots", V1);
        state.opens().open(old, bytes("o"), FILE, "hash", 1, 0);
        StateManager.SetClientIdResult r = state.setClientId(bytes("reboots"), V2, P, "a");
        assertNotEquals(old.clientId(), r.clientId());
        assertEquals(1, state.openCount("hash"), "the old state stays until the new id is confirmed");
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        assertEquals(0, state.openCount("hash"));
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.client(old.clientId())));
        assertEquals(1, state.clientCount());
    }

    @Test
    void aRebooted41ClientReplacesItsOldStateWhenItCreatesASession() throws NfsException {
        Session old = establish41("reboots41", V1);
        state.opens().open(old.client(), bytes("o"), FILE, "hash", 1, 0);
        Session now = establish41("reboots41", V2);
        assertNotEquals(old.client().clientId(), now.client().clientId());
        assertEquals(0, state.openCount("hash"));
        assertEquals(NfsStatus.NFS4ERR_BADSESSION, status(() -> state.session(old.id())));
        assertEquals(1, state.clientCount());
    }

    @Test
    void createSessionReplaysItsLastReplyAndRefusesOtherSequences() throws NfsException {
        ClientRecord c = state.exchangeId(bytes("cs"), V1, 0, P, 1, "a");
        int seq = state.createSessionSequence(c);
        StateManager.NewSession create = () -> state.createSession(c, FORE).id();
        StateManager.CreateSessionReply first = state.createSessionOnce(c, seq, create);
        assertFalse(first.replay());
        StateManager.CreateSessionReply again = state.createSessionOnce(c, seq, create);
        assertTrue(again.replay(), "a retransmission");
        assertArrayEquals(first.bytes(), again.bytes());
        assertEquals(1, c.sessions.size());
        assertEquals(NfsStatus.NFS4ERR_SEQ_MISORDERED, status(() -> state.createSessionOnce(c, seq + 5, create)));
        assertFalse(state.createSessionOnce(c, seq + 1, create).replay());
        assertEquals(2, c.sessions.size());
    }

    @Test
    void stateidsAreCheckedForEpochAndSeqid() throws NfsException {
        Session s = establish41("ids", V1);
        StateId first = state.opens().open(s.client(), bytes("o"), FILE, null, 1, 0);
        StateId second = state.opens().open(s.client(), bytes("o"), FILE, null, 1, 0); // an upgrade: same open
        assertArrayEquals(first.other(), second.other());
        assertEquals(first.seqid() + 1, second.seqid());
        assertEquals(NfsStatus.NFS4ERR_OLD_STATEID, status(() -> state.openState(first, 1)));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, status(() -> state.openState(second.withSeqid(99), 1)));
        state.openState(second.withSeqid(0), 1); // 4.1: seqid 0 means "the current one"
        assertEquals(NfsStatus.NFS4ERR_OLD_STATEID, status(() -> state.openState(second.withSeqid(0), 0)));

        byte[] otherEpoch = second.other().clone();
        otherEpoch[0] ^= 1;
        StateId foreign = new StateId(1, otherEpoch);
        assertEquals(NfsStatus.NFS4ERR_STALE_STATEID, status(() -> state.openState(foreign, 0)));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, status(() -> state.openState(foreign, 1)));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, status(() -> state.lockState(second, 1)), "an open is no lock");
    }

    @Test
    void aClientMovedHereLongAfterStartMayReclaim() throws NfsException {
        advance(10 * LEASE); // far past any grace period: the client came from a replica that died
        Session moved41 = establish41("moved 4.1", V1);
        state.checkReclaim(moved41.client());
        ClientRecord moved40 = establish40("moved 4.0", V1);
        state.checkReclaim(moved40);
        advance(10 * LEASE);
        state.renew(moved41.client());
        state.checkReclaim(moved41.client());
        state.checkReclaim(state.client(moved40.clientId()));
    }

    @Test
    void afterReclaimCompleteA41ClientMayNotReclaim() throws NfsException {
        Session s = establish41("done", V1);
        state.checkReclaim(s.client());
        state.reclaimComplete(s.client());
        assertEquals(NfsStatus.NFS4ERR_NO_GRACE, status(() -> state.checkReclaim(s.client())));
        assertTrue(s.client().reclaimComplete());
    }

    @Test
    void aRebooted41ClientMayReclaimAgainAfterItsNewRecordIsConfirmed() throws NfsException {
        Session first = establish41("reclaim twice", V1);
        state.reclaimComplete(first.client());
        advance(5 * LEASE);
        state.expireStaleClients();
        Session second = establish41("reclaim twice", V2);
        state.checkReclaim(second.client());
    }

    @Test
    void destroyingAClientIdNeedsItsSessionsGone() throws NfsException {
        Session s = establish41("destroy", V1);
        long id = s.client().clientId();
        assertEquals(NfsStatus.NFS4ERR_CLIENTID_BUSY, status(() -> state.destroyClientId(id)));
        state.destroySession(s.id(), CONN);
        assertEquals(NfsStatus.NFS4ERR_BADSESSION, status(() -> state.destroySession(s.id(), CONN)));
        state.destroyClientId(id);
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.destroyClientId(id)));
        assertEquals(0, state.clientCount());
    }

    @Test
    void aSessionForAClientDroppedMeanwhileIsNotCreated() throws NfsException {
        ClientRecord c = state.exchangeId(bytes("late"), V1, 0, P, 1, "a");
        state.exchangeId(bytes("late"), V2, 0, P, 1, "a"); // replaces the unconfirmed record
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.createSession(c, FORE)));
        assertEquals(0, state.sessionCount());
    }
}
