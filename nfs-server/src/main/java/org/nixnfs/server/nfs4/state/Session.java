package org.nixnfs.server.nfs4.state;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An NFSv4.1 session: its id, owner, negotiated fore-channel limits, slot table, and the
 * connections bound to it (RFC 8881 section 2.10.3.1: CREATE_SESSION's and BIND_CONN_TO_SESSION's;
 * with SP4_NONE, the only protection we offer, also any connection a SEQUENCE arrives on).
 */
public final class Session {
    private final byte[] id;
    private final ClientRecord client;
    private final ChannelAttributes fore;
    private final SlotTable slots;
    private final Set<Object> connections = ConcurrentHashMap.newKeySet();
    private final Backchannel back = new Backchannel();

    Session(byte[] id, ClientRecord client, ChannelAttributes fore) {
        this.id = id;
        this.client = client;
        this.fore = fore;
        this.slots = new SlotTable(fore.maxRequests());
    }

    public byte[] id() {
        return id;
    }

    public ClientRecord client() {
        return client;
    }

    public ChannelAttributes fore() {
        return fore;
    }

    /** The backchannel: callback program, security and connections (none until the client binds one). */
    public Backchannel back() {
        return back;
    }

    public SlotTable slots() {
        return slots;
    }

    /** Binds a connection (an opaque key) to the fore channel; true if it was not bound yet. */
    public boolean bind(Object connection) {
        return connections.add(connection);
    }

    /** A closed connection is bound no more. */
    public void unbind(Object connection) {
        connections.remove(connection);
    }

    public boolean isBound(Object connection) {
        return connection != null && connections.contains(connection);
    }
}
