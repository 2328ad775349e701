package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.NfsStatus;

class StateLimitsTest {
    long now = 1_000;
    final StateManager state = new StateManager(90, () -> now, new StateLimits(2, 10, 1, 10, 100, 10, 100));

    private static byte[] owner(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNewClientDisplacesTheOldestUnconfirmedOne() throws Exception {
        ClientRecord a = state.exchangeId(owner("a"), new byte[8], 1, "10.0.0.1");
        now++;
        state.exchangeId(owner("b"), new byte[8], 1, "10.0.0.1");
        now++;
        state.exchangeId(owner("c"), new byte[8], 1, "10.0.0.1");
        NfsException e = assertThrows(NfsException.class, () -> state.clientForCreateSession(a.clientId()));
        assertEquals(NfsStatus.NFS4ERR_STALE_CLIENTID, e.status(), "a, the oldest unconfirmed, was forgotten");
    }

    @Test
    void confirmedClientsAreNeverDisplacedAndNewOnesAreRefused() throws Exception {
        for (String o : new String[] {"a", "b"}) {
            StateManager.SetClientIdResult r = state.setClientId(owner(o), new byte[8], "10.0.0.1");
            state.confirmClientId(r.clientId(), r.confirmVerifier());
        }
        NfsException v40 = assertThrows(NfsException.class, () -> state.setClientId(owner("c"), new byte[8], "10.0.0.2"));
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, v40.status());
        NfsException v41 = assertThrows(NfsException.class, () -> state.exchangeId(owner("c"), new byte[8], 1, "10.0.0.2"));
        assertEquals(NfsStatus.NFS4ERR_DELAY, v41.status(), "4.1 has no RESOURCE: the client waits and retries");
        assertEquals(2, state.limits().refused());
        assertEquals(2, state.clientCount());
    }

    @Test
    void sessionsPerClientAreLimited() throws Exception {
        ClientRecord c = state.exchangeId(owner("a"), new byte[8], 1, "10.0.0.1");
        ChannelAttributes fore = new ChannelAttributes(0, 1 << 20, 1 << 20, 1 << 16, 16, 8);
        state.createSession(c, fore);
        NfsException e = assertThrows(NfsException.class, () -> state.createSession(c, fore));
        assertEquals(NfsStatus.NFS4ERR_DELAY, e.status());
    }
}
