package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;

/**
 * The client-id and session rules of RFC 8881 that the state layer enforces, one test per rule,
 * named after its section: EXCHANGE_ID's case table (18.35.5), CREATE_SESSION's checks (18.36),
 * DESTROY_SESSION's connection (18.37).
 */
class ClientIdAndSessionRulesTest {
    static final String ROOT = "AUTH_SYS 0:0";
    static final String OTHER = "AUTH_SYS 1000:1000";
    static final int UPDATE = StateManager.EXCHGID4_FLAG_UPD_CONFIRMED_REC_A;
    static final ChannelAttributes FORE = new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8);
    static final byte[] V1 = bytes("verifie1");
    static final byte[] V2 = bytes("verifie2");
    static final byte[] OWNER = bytes("Linux NFSv4.1 executor-1");

    final StateManager state = new StateManager(90, System::nanoTime);

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static int status(Executable e) {
        return assertThrows(NfsException.class, e).status();
    }

    ClientRecord exchange(byte[] verifier, int flags, String principal) throws NfsException {
        return state.exchangeId(OWNER, verifier, flags, principal, 1, "10.0.0.1");
    }

    /** A confirmed client: EXCHANGE_ID, then CREATE_SESSION. */
    Session confirmed(byte[] verifier, String principal) throws NfsException {
        ClientRecord c = exchange(verifier, 0, principal);
        return state.createSession(state.clientForCreateSession(c.clientId(), principal), FORE);
    }

    @Test
    void rfc8881_18_35_5_case1_aNewOwnerGetsANewUnconfirmedRecord() throws NfsException {
        ClientRecord c = exchange(V1, 0, ROOT);
        assertFalse(c.confirmed());
        assertEquals(0, state.clientCount());
    }

    @Test
    void rfc8881_18_35_5_case2_theSameVerifierAndPrincipalGetTheConfirmedRecord() throws NfsException {
        Session s = confirmed(V1, ROOT);
        ClientRecord again = exchange(V1, 0, ROOT);
        assertSame(s.client(), again);
        assertTrue(again.confirmed());
    }

    @Test
    void rfc8881_18_35_5_case3_anotherPrincipalIsClidInUseWhileTheRecordHoldsState() throws NfsException {
        Session s = confirmed(V1, ROOT);
        assertEquals(NfsStatus.NFS4ERR_CLID_INUSE, status(() -> exchange(V1, 0, OTHER)));
        state.destroySession(s.id(), bind(s));
        ClientRecord other = exchange(V1, 0, OTHER);
        assertNotEquals(s.client().clientId(), other.clientId(), "no state left: the other principal gets a new record");
        assertFalse(other.confirmed());
    }

    @Test
    void rfc8881_18_35_5_case3_stateIncludesOpens() throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(OWNER, V1, ROOT, "a"); // 4.0 and 4.1 share owners
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        state.opens().open(state.client(r.clientId()), bytes("o"), new FileHandle(new byte[] {1}), null, 1, 0);
        assertEquals(NfsStatus.NFS4ERR_CLID_INUSE, status(() -> exchange(V1, 0, OTHER)));
    }

    @Test
    void rfc8881_18_35_5_case4_aRebootedClientGetsANewClientIdAndItsOldStateGoesOnConfirm() throws NfsException {
        Session old = confirmed(V1, ROOT);
        ClientRecord rebooted = exchange(V2, 0, ROOT);
        assertNotEquals(old.client().clientId(), rebooted.clientId());
        assertFalse(rebooted.confirmed());
        assertSame(old, state.session(old.id()), "the old record stays until the new one is confirmed");
        state.createSession(state.clientForCreateSession(rebooted.clientId(), ROOT), FORE);
        assertEquals(NfsStatus.NFS4ERR_BADSESSION, status(() -> state.session(old.id())));
    }

    @Test
    void rfc8881_18_35_5_case5_anUnconfirmedRecordIsReplacedWithANewClientId() throws NfsException {
        ClientRecord first = exchange(V1, 0, ROOT);
        ClientRecord second = exchange(V1, 0, ROOT);
        assertNotEquals(first.clientId(), second.clientId());
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.clientForCreateSession(first.clientId(), ROOT)));
        assertSame(second, state.clientForCreateSession(second.clientId(), ROOT));
    }

    @Test
    void rfc8881_18_35_5_case6_anUpdateOfTheConfirmedRecordKeepsIt() throws NfsException {
        Session s = confirmed(V1, ROOT);
        assertSame(s.client(), exchange(V1, UPDATE, ROOT));
    }

    @Test
    void rfc8881_18_35_5_case7_anUpdateByAnotherPrincipalIsPerm() throws NfsException {
        confirmed(V1, ROOT);
        assertEquals(NfsStatus.NFS4ERR_PERM, status(() -> exchange(V1, UPDATE, OTHER)));
    }

    @Test
    void rfc8881_18_35_5_case8_anUpdateWithAnotherVerifierIsNotSame() throws NfsException {
        confirmed(V1, ROOT);
        assertEquals(NfsStatus.NFS4ERR_NOT_SAME, status(() -> exchange(V2, UPDATE, ROOT)));
    }

    @Test
    void rfc8881_18_35_5_case9_anUpdateOfARecordThatDoesNotExistIsNoent() throws NfsException {
        assertEquals(NfsStatus.NFS4ERR_NOENT, status(() -> exchange(V1, UPDATE, ROOT)));
        exchange(V1, 0, ROOT);
        assertEquals(NfsStatus.NFS4ERR_NOENT, status(() -> exchange(V1, UPDATE, ROOT)), "unconfirmed is not enough");
    }

    @Test
    void rfc8881_18_35_1_undefinedFlagsAndTheServersOwnAreInval() throws NfsException {
        assertEquals(NfsStatus.NFS4ERR_INVAL, status(() -> exchange(V1, 0x80000000, ROOT)), "EXCHGID4_FLAG_CONFIRMED_R");
        assertEquals(NfsStatus.NFS4ERR_INVAL, status(() -> exchange(V1, 0x00001000, ROOT)), "undefined");
        assertEquals(NfsStatus.NFS4ERR_INVAL, status(() -> exchange(V1, StateManager.EXCHGID4_FLAG_SUPP_FENCE_OPS, ROOT)),
                "4.2's flag in 4.1");
        state.exchangeId(bytes("4.2"), V1, StateManager.EXCHGID4_FLAG_SUPP_FENCE_OPS, ROOT, 2, "a");
        // What the Linux client sends.
        exchange(V1, StateManager.EXCHGID4_FLAG_SUPP_MOVED_REFER | StateManager.EXCHGID4_FLAG_SUPP_MOVED_MIGR
                | StateManager.EXCHGID4_FLAG_BIND_PRINC_STATEID, ROOT);
    }

    @Test
    void rfc8881_18_36_3_undefinedCsaFlagsAreInval() {
        assertEquals(NfsStatus.NFS4ERR_INVAL, status(() -> StateManager.checkCreateSession(0x8, FORE)));
    }

    @Test
    void rfc8881_18_36_3_aForeChannelTooSmallForAnyCompoundIsTooSmall() throws NfsException {
        int minRequest = ChannelAttributes.MIN_REQUEST_SIZE;
        int minResponse = ChannelAttributes.MIN_RESPONSE_SIZE;
        StateManager.checkCreateSession(0x3, new ChannelAttributes(0, minRequest, minResponse, 0, 1, 1));
        assertEquals(NfsStatus.NFS4ERR_TOOSMALL, status(() -> StateManager.checkCreateSession(0,
                new ChannelAttributes(0, minRequest - 1, 1 << 20, 0, 1, 1))));
        assertEquals(NfsStatus.NFS4ERR_TOOSMALL, status(() -> StateManager.checkCreateSession(0,
                new ChannelAttributes(0, 1 << 20, minResponse - 1, 0, 1, 1))));
    }

    @Test
    void rfc8881_18_36_4_anotherPrincipalIsClidInUse() throws NfsException {
        ClientRecord c = exchange(V1, 0, ROOT);
        assertEquals(NfsStatus.NFS4ERR_CLID_INUSE, status(() -> state.clientForCreateSession(c.clientId(), OTHER)));
        Session s = state.createSession(state.clientForCreateSession(c.clientId(), ROOT), FORE);
        assertEquals(NfsStatus.NFS4ERR_CLID_INUSE, status(() -> state.clientForCreateSession(s.client().clientId(), OTHER)),
                "confirmed records too");
    }

    @Test
    void rfc8881_18_36_4_anUnknownOrStaleClientIdIsStaleClientId() throws NfsException {
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.clientForCreateSession(12345, ROOT)));
        StateManager before = new StateManager(90, System::nanoTime); // a previous server instance
        ClientRecord old = before.exchangeId(OWNER, V1, 0, ROOT, 1, "a");
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, status(() -> state.clientForCreateSession(old.clientId(), ROOT)));
    }

    @Test
    void rfc8881_18_37_3_destroySessionMustComeOverAConnectionBoundToIt() throws NfsException {
        Session s = confirmed(V1, ROOT);
        Object bound = bind(s);
        assertEquals(NfsStatus.NFS4ERR_CONN_NOT_BOUND_TO_SESSION, status(() -> state.destroySession(s.id(), "another")));
        assertEquals(NfsStatus.NFS4ERR_CONN_NOT_BOUND_TO_SESSION, status(() -> state.destroySession(s.id(), null)));
        s.unbind(bound); // the connection closed
        assertEquals(NfsStatus.NFS4ERR_CONN_NOT_BOUND_TO_SESSION, status(() -> state.destroySession(s.id(), bound)));
        s.bind(bound);
        state.destroySession(s.id(), bound);
        assertEquals(NfsStatus.NFS4ERR_BADSESSION, status(() -> state.session(s.id())));
    }

    private static Object bind(Session s) {
        Object connection = new Object();
        s.bind(connection);
        return connection;
    }
}
