package org.nixnfs.server.nfs4;

import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateManager;

/** Finds the channel to call a client back on: by its minor version, a session's backchannel or a 4.0 connection. */
@FunctionalInterface
public interface CallbackChannels {
    /** The client's callback channel now, or null if it has none (recalls are tried again later). */
    CallbackChannel of(ClientRecord client);

    /** 4.1/4.2 only: a session whose backchannel can carry a call. */
    static CallbackChannels sessions(StateManager state, RecallSender sender) {
        return client -> {
            Session s = state.callbackSession(client);
            return s == null ? null : new SessionCallbackChannel(sender, s);
        };
    }

    /** Sessions for 4.1/4.2 clients, the callback connection (made again if it was lost) for 4.0 clients. */
    static CallbackChannels byVersion(StateManager state, RecallSender sender, CallbackConnector connector) {
        CallbackChannels sessions = sessions(state, sender);
        return client -> {
            if (client.minorVersion() > 0) {
                return sessions.of(client);
            }
            ClientCallback cb = client.callback();
            return cb == null || cb.target() == null || cb.closed() ? null : new ConnectionCallbackChannel(connector, cb);
        };
    }
}
