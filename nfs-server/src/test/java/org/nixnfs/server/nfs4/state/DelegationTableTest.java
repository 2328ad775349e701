package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.vfs.FileHandle;

/**
 * Read delegations as state, on a lease clock the test moves: grant and its refusals (held
 * already, path being recalled, limits), return, recall and revocation a lease later, the
 * stateids READ, TEST_STATEID and FREE_STATEID see, and what GC sees as held.
 */
class DelegationTableTest {
    static final int LEASE = 90;
    static final ChannelAttributes FORE = new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8);
    static final FileHandle FILE = new FileHandle(new byte[] {1, 2, 3});
    static final FileHandle OTHER_FILE = new FileHandle(new byte[] {4, 5, 6});

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final StateManager state = new StateManager(LEASE, () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()),
            StateLimits.builder().maxClients(100).maxClientsPerAddress(100).maxSessionsPerClient(4)
                    .maxOpensPerClient(100).maxOpens(100).maxLocksPerClient(100).maxLocks(100)
                    .maxDelegationsPerClient(2).maxDelegations(3).build());
    final DelegationTable table = state.delegations();

    ClientRecord client(String owner) throws NfsException {
        ClientRecord c = state.exchangeId(owner.getBytes(StandardCharsets.UTF_8), new byte[8], 0, "AUTH_SYS 0:0", 1,
                "10.0.0.1");
        state.createSession(c, FORE);
        return c;
    }

    void advance(int seconds) {
        clock.advance(Duration.ofSeconds(seconds));
    }

    @Test
    void aGrantedDelegationIsAStateidOfItsFileAndHoldsItsPath() throws NfsException {
        ClientRecord c = client("a");
        Delegation d = table.grant(c, FILE, "path1");
        assertNotNull(d);
        assertEquals(1, d.stateId().seqid());
        assertSame(d, state.anyState(d.stateId(), 1), "READ accepts it");
        assertSame(d, state.delegation(d.stateId().withSeqid(0), 1), "seqid 0 is the current one in 4.1");
        assertEquals(Set.of("path1"), table.delegatedStorePaths());
        assertEquals(1, table.count());
        assertEquals(Set.of(), state.openStorePaths(), "a delegation is no open");
    }

    @Test
    void noSecondDelegationOfTheSameFileToTheSameClientButOneToAnother() throws NfsException {
        ClientRecord a = client("a");
        ClientRecord b = client("b");
        assertNotNull(table.grant(a, FILE, "path1"));
        assertNull(table.grant(a, FILE, "path1"));
        assertNotNull(table.grant(b, FILE, "path1"), "read delegations never conflict");
        assertEquals(1, table.notGranted());
    }

    @Test
    void overALimitNoneIsGrantedAndNothingFails() throws NfsException {
        ClientRecord a = client("a");
        ClientRecord b = client("b");
        assertNotNull(table.grant(a, FILE, "p"));
        assertNotNull(table.grant(a, OTHER_FILE, "p"));
        assertNull(table.grant(a, new FileHandle(new byte[] {9}), "p"), "2 per client");
        assertNotNull(table.grant(b, FILE, "p"));
        assertNull(table.grant(b, OTHER_FILE, "p"), "3 on the server");
        assertEquals(0, state.limits().refused(), "not granting is no refusal");
    }

    @Test
    void returningEndsItAndFreesThePath() throws NfsException {
        ClientRecord c = client("a");
        Delegation d = table.grant(c, FILE, "path1");
        table.returned(d);
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID,
                assertThrows(NfsException.class, () -> state.anyState(d.stateId(), 1)).status());
        assertEquals(Set.of(), table.delegatedStorePaths());
        assertEquals(0, table.recallsReturned(), "it was not recalled");
        assertNotNull(table.grant(c, FILE, "path1"), "it may be granted again");
    }

    @Test
    void aRecallStopsNewGrantsOnThePathUntilItEnds() throws NfsException, InterruptedException {
        ClientRecord a = client("a");
        ClientRecord b = client("b");
        Delegation d = table.grant(a, FILE, "path1");
        assertEquals(List.of(d), table.startRecall(Set.of("path1"), state.nanoTime()));
        assertTrue(table.recalling("path1"));
        assertNull(table.grant(b, FILE, "path1"), "no new delegation on a path GC is deleting");
        assertEquals(List.of(), table.startRecall(Set.of("path1"), state.nanoTime()), "recalled once only");
        table.endRecall(Set.of("path1"));
        assertTrue(table.recalling("path1"), "the second recall is still under way");
        table.returned(d);
        assertEquals(1, table.recallsReturned());
        assertEquals(Set.of(), table.awaitReleased(Set.of("path1"), 0));
        table.endRecall(Set.of("path1"));
        assertFalse(table.recalling("path1"));
        assertNotNull(table.grant(b, FILE, "path1"));
    }

    @Test
    void aRecalledDelegationNotReturnedWithinALeaseIsRevoked() throws NfsException, InterruptedException {
        ClientRecord c = client("a");
        Delegation d = table.grant(c, FILE, "path1");
        Delegation kept = table.grant(c, OTHER_FILE, "path2");
        table.startRecall(Set.of("path1"), state.nanoTime());
        advance(LEASE - 1);
        state.renew(c);
        state.expireStaleClients();
        assertFalse(d.revoked(), "not before the lease has passed");
        assertEquals(Set.of("path1"), table.awaitReleased(Set.of("path1"), 0));
        advance(2);
        state.expireStaleClients(); // the housekeeping, every second
        assertTrue(d.revoked());
        assertFalse(kept.revoked(), "only what was recalled");
        assertEquals(1, state.clientCount(), "the client, which renews, stays");
        assertEquals(Set.of(), table.awaitReleased(Set.of("path1"), 0), "the path is free for GC");
        assertEquals(Set.of("path2"), table.delegatedStorePaths());
        assertEquals(1, table.recallsRevoked());
        assertTrue(table.hasRevoked(c), "SEQUENCE tells the client");
        assertEquals(NfsStatus.NFS4ERR_DELEG_REVOKED,
                assertThrows(NfsException.class, () -> state.anyState(d.stateId(), 1)).status(),
                "READ and TEST_STATEID see DELEG_REVOKED");
        assertSame(d, state.anyStateEvenRevoked(d.stateId(), 1), "until FREE_STATEID");
        table.free(d);
        assertFalse(table.hasRevoked(c));
        assertEquals(NfsStatus.NFS4ERR_BAD_STATEID,
                assertThrows(NfsException.class, () -> state.anyState(d.stateId(), 1)).status());
        assertEquals(1, table.count());
    }

    @Test
    void aClientThatExpiresLosesItsDelegations() throws NfsException {
        ClientRecord c = client("a");
        table.grant(c, FILE, "path1");
        advance(LEASE + 1);
        assertEquals(1, state.expireStaleClients());
        assertEquals(0, table.count());
        assertEquals(Set.of(), table.delegatedStorePaths());
        assertNull(table.grant(c, OTHER_FILE, "path1"), "nothing is granted to a client that is gone");
    }

    @Test
    void waitingForAReleaseEndsWhenItIsReturned() throws Exception {
        ClientRecord c = client("a");
        Delegation d = table.grant(c, FILE, "path1");
        table.startRecall(Set.of("path1"), state.nanoTime());
        Thread returner = new Thread(() -> table.returned(d));
        returner.start();
        assertEquals(Set.of(), table.awaitReleased(Set.of("path1"), TimeUnit.MINUTES.toNanos(5)));
        returner.join();
    }
}
