package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;

class StateLimitsTest {
    static final String P = "AUTH_SYS 0:0";
    long now = 1_000;
    final StateManager state = new StateManager(90, () -> now, StateLimits.builder().maxClients(2).maxClientsPerAddress(10)
            .maxSessionsPerClient(1).maxOpensPerClient(2).maxOpens(3).maxLocksPerClient(2).maxLocks(100).build());

    private static byte[] owner(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private ClientRecord client40(String o) throws NfsException {
        StateManager.SetClientIdResult r = state.setClientId(owner(o), new byte[8], P, "10.0.0.1");
        state.confirmClientId(r.clientId(), r.confirmVerifier());
        return state.client(r.clientId());
    }

    @Test
    void aNewClientDisplacesTheOldestUnconfirmedOne() throws Exception {
        ClientRecord a = state.exchangeId(owner("a"), new byte[8], 0, P, 1, "10.0.0.1");
        now++;
        state.exchangeId(owner("b"), new byte[8], 0, P, 1, "10.0.0.1");
        now++;
        state.exchangeId(owner("c"), new byte[8], 0, P, 1, "10.0.0.1");
        NfsException e = assertThrows(NfsException.class, () -> state.clientForCreateSession(a.clientId(), P));
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, e.status(), "a, the oldest unconfirmed, was forgotten");
        ClientRecord a2 = state.exchangeId(owner("a"), new byte[8], 0, P, 1, "10.0.0.1");
        assertEquals(a2, state.clientForCreateSession(a2.clientId(), P), "its owner may come back: b went for it");
    }

    @Test
    void confirmedClientsAreNeverDisplacedAndNewOnesAreRefused() throws Exception {
        client40("a");
        client40("b");
        NfsException v40 = assertThrows(NfsException.class,
                () -> state.setClientId(owner("c"), new byte[8], P, "10.0.0.2"));
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, v40.status());
        NfsException v41 = assertThrows(NfsException.class,
                () -> state.exchangeId(owner("c"), new byte[8], 0, P, 1, "10.0.0.2"));
        assertEquals(NfsStatus.NFS4ERR_DELAY, v41.status(), "4.1 has no RESOURCE: the client waits and retries");
        assertEquals(2, state.limits().refused());
        assertEquals(2, state.clientCount());
        StateManager.SetClientIdResult reboot = state.setClientId(owner("a"), new byte[] {1}, P, "10.0.0.1");
        state.confirmClientId(reboot.clientId(), reboot.confirmVerifier()); // a rebooting client is not refused
        assertEquals(2, state.clientCount());
    }

    @Test
    void sessionsPerClientAreLimited() throws Exception {
        ClientRecord c = state.exchangeId(owner("a"), new byte[8], 0, P, 1, "10.0.0.1");
        ChannelAttributes fore = new ChannelAttributes(0, 1 << 20, 1 << 20, 1 << 16, 16, 8);
        state.createSession(c, fore);
        NfsException e = assertThrows(NfsException.class, () -> state.createSession(c, fore));
        assertEquals(NfsStatus.NFS4ERR_DELAY, e.status());
    }

    @Test
    void opensAreLimitedPerClientAndInAllAndCountAgainAfterClose() throws Exception {
        ClientRecord a = client40("a");
        ClientRecord b = client40("b");
        OpenTable opens = state.opens();
        opens.open(a, owner("o1"), new FileHandle(new byte[] {1}), null, 1, 0);
        opens.open(a, owner("o2"), new FileHandle(new byte[] {1}), null, 1, 0);
        StateId second = opens.open(a, owner("o2"), new FileHandle(new byte[] {1}), null, 1, 0); // an upgrade, no new open
        NfsException perClient = assertThrows(NfsException.class,
                () -> opens.open(a, owner("o3"), new FileHandle(new byte[] {1}), null, 1, 0));
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, perClient.status());
        opens.open(b, owner("o1"), new FileHandle(new byte[] {1}), null, 1, 0);
        NfsException inAll = assertThrows(NfsException.class,
                () -> opens.open(b, owner("o2"), new FileHandle(new byte[] {1}), null, 1, 0));
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, inAll.status());
        opens.close(state.openState(second, 0));
        opens.open(b, owner("o2"), new FileHandle(new byte[] {1}), null, 1, 0);
    }

    @Test
    void lockStatesAreLimitedPerClientAndFreedWithTheirOpen() throws Exception {
        ClientRecord a = client40("a");
        OpenTable opens = state.opens();
        OpenState open = state.openState(opens.open(a, owner("o"), new FileHandle(new byte[] {1}), null, 1, 0), 0);
        opens.lock(open, owner("l1"));
        opens.lock(open, owner("l2"));
        opens.lock(open, owner("l2")); // the same lock-owner again: no new lock state
        NfsException e = assertThrows(NfsException.class, () -> opens.lock(open, owner("l3")));
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, e.status());
        opens.close(open);
        OpenState again = state.openState(opens.open(a, owner("o"), new FileHandle(new byte[] {1}), null, 1, 0), 0);
        opens.lock(again, owner("l1"));
        opens.lock(again, owner("l2"));
    }
}
