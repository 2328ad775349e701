package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;

/** Opens and lock states: what each index answers, and that state ends with what it belongs to. */
class OpenTableTest {
    static final FileHandle A = new FileHandle(new byte[] {1});
    static final FileHandle B = new FileHandle(new byte[] {2});

    static final String P = "AUTH_SYS 0:0";

    final StateManager state = new StateManager(90, System::nanoTime);
    final OpenTable opens = state.opens();

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    ClientRecord client(String owner) throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(bytes(owner), new byte[8], P, "a");
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        return state.client(r.clientId());
    }

    OpenState open(ClientRecord c, String owner, FileHandle f, String hash) throws NfsException {
        return state.openState(opens.open(c, bytes(owner), f, hash, 1, 0), 0);
    }

    @Test
    void openCountsFollowOpensPerStorePath() throws NfsException {
        ClientRecord c = client("c");
        OpenState a1 = open(c, "o1", A, "p");
        OpenState a2 = open(c, "o2", A, "p");
        assertSame(a1, open(c, "o1", A, "p"), "the same owner's second OPEN upgrades its open");
        open(c, "o1", B, null);
        assertEquals(2, opens.openCount("p"));
        assertEquals(Set.of("p"), opens.openStorePaths());
        assertEquals(3, opens.openCount(c));
        opens.close(a1);
        opens.close(a2);
        assertEquals(0, opens.openCount("p"));
        assertEquals(Set.of(), opens.openStorePaths());
        assertEquals(1, opens.openCount());
    }

    @Test
    void lockTestConflictsOnlyWithOtherOwnersOnTheSameFile() throws NfsException {
        ClientRecord c = client("c");
        ClientRecord d = client("d");
        opens.lock(open(c, "o", A, null), bytes("mine"));
        open(d, "o", B, null);
        assertNull(opens.otherLockHolder(A, c.clientId(), bytes("mine")), "my own lock");
        assertEquals(c, opens.otherLockHolder(A, c.clientId(), bytes("another owner")).client());
        assertEquals(c, opens.otherLockHolder(A, d.clientId(), bytes("mine")).client(), "same owner name, other client");
        assertNull(opens.otherLockHolder(B, d.clientId(), bytes("x")), "no locks on B");
    }

    @Test
    void releaseLockOwnerFreesOnlyThatOwnersLocks() throws NfsException {
        ClientRecord c = client("c");
        OpenState a = open(c, "o", A, null);
        OpenState b = open(c, "o", B, null);
        StateId l1 = opens.lock(a, bytes("l1"));
        StateId l1b = opens.lock(b, bytes("l1"));
        StateId l2 = opens.lock(a, bytes("l2"));
        opens.releaseLockOwner(c.clientId(), bytes("l1"));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, assertThrows(NfsException.class, () -> state.lockState(l1, 0)).status());
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, assertThrows(NfsException.class, () -> state.lockState(l1b, 0)).status());
        assertEquals(l2, state.lockState(l2, 0).stateId());
        assertEquals(1, opens.lockStateCount());
    }

    @Test
    void locksEndWithTheirOpenAndCannotBeTakenUnderAClosedOne() throws NfsException {
        ClientRecord c = client("c");
        OpenState a = open(c, "o", A, null);
        StateId lock = opens.lock(a, bytes("l"));
        assertEquals(lock.seqid() + 1, opens.lock(a, bytes("l")).seqid(), "the owner's lock state is reused");
        opens.close(a);
        assertEquals(0, opens.lockStateCount());
        assertNull(opens.otherLockHolder(A, 0, bytes("x")));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID, assertThrows(NfsException.class, () -> opens.lock(a, bytes("l"))).status());
    }

    @Test
    void freeingALockForgetsItEverywhere() throws NfsException {
        ClientRecord c = client("c");
        OpenState a = open(c, "o", A, null);
        LockState l = state.lockState(opens.lock(a, bytes("l")), 0);
        opens.freeLock(l);
        opens.freeLock(l); // twice is harmless
        assertNull(opens.otherLockHolder(A, 0, bytes("x")));
        assertEquals(0, opens.lockStateCount());
        opens.close(a);
    }

    @Test
    void downgradeMayOnlyDropShareBits() throws NfsException {
        ClientRecord c = client("c");
        OpenState a = open(c, "o", A, null);
        assertEquals(NfsStatus.NFS4ERR_INVAL, assertThrows(NfsException.class, () -> opens.downgrade(a, 3, 0)).status());
        assertEquals(a.seqid() + 1, opens.downgrade(a, 1, 0).seqid());
    }
}
