package org.nixnfs.server.nfs4.state;

/** An NFSv4.1 session: its id, owner, negotiated fore-channel limits, and slot table. */
public final class Session {
    private final byte[] id;
    private final ClientRecord client;
    private final ChannelAttributes fore;
    private final SlotTable slots;

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

    public SlotTable slots() {
        return slots;
    }
}
