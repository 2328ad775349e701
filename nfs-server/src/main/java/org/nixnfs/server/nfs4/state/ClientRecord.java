package org.nixnfs.server.nfs4.state;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client as the server knows it: its long-lived owner id and boot verifier, the short client
 * id we gave it, its lease, and its sessions (4.1). Its opens and locks are in {@link OpenTable}.
 */
public final class ClientRecord {
    private final long clientId;
    private final ByteBuffer ownerId;
    private final byte[] verifier;
    private final int minorVersion;
    private final String address;
    private final String principal;
    private volatile long lastRenewNanos;
    private volatile boolean confirmed;
    // NFSv4.0: the verifier SETCLIENTID_CONFIRM must present.
    private final byte[] confirmVerifier;
    // NFSv4.1: CREATE_SESSION's own sequence (RFC 8881 section 18.36.4) and its cached reply.
    // createSessionLock makes a CREATE_SESSION's sequence check, session and reply one step
    // (StateManager.createSessionOnce); taken before any other state lock, never while one is held.
    final Object createSessionLock = new Object();
    private int createSessionSequence;
    private byte[] createSessionReply;
    private boolean reclaimComplete;
    final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean expired;
    // NFSv4.0: where to call the client back (SETCLIENTID), null until it says.
    private volatile ClientCallback callback;

    ClientRecord(long clientId, ByteBuffer ownerId, byte[] verifier, String principal, int minorVersion,
                 String address, byte[] confirmVerifier, long nowNanos) {
        this.principal = principal;
        this.clientId = clientId;
        this.ownerId = ownerId;
        this.verifier = verifier;
        this.minorVersion = minorVersion;
        this.address = address;
        this.confirmVerifier = confirmVerifier;
        this.lastRenewNanos = nowNanos;
        this.createSessionSequence = 1;
    }

    public long clientId() {
        return clientId;
    }

    ByteBuffer ownerId() {
        return ownerId;
    }

    byte[] verifier() {
        return verifier;
    }

    /** Who created the record (RFC 8881 section 18.35.5 compares it): see {@code CompoundContext.principal()}. */
    String principal() {
        return principal;
    }

    public int minorVersion() {
        return minorVersion;
    }

    public String address() {
        return address;
    }

    public boolean confirmed() {
        return confirmed;
    }

    void confirm() {
        confirmed = true;
    }

    byte[] confirmVerifier() {
        return confirmVerifier;
    }

    void renew(long nowNanos) {
        lastRenewNanos = nowNanos;
    }

    long lastRenewNanos() {
        return lastRenewNanos;
    }

    synchronized int createSessionSequence() {
        return createSessionSequence;
    }

    synchronized byte[] createSessionReply() {
        return createSessionReply;
    }

    synchronized void createSessionDone(int sequence, byte[] reply) {
        createSessionSequence = sequence;
        createSessionReply = reply;
    }

    public synchronized boolean reclaimComplete() {
        return reclaimComplete;
    }

    synchronized void setReclaimComplete() {
        reclaimComplete = true;
    }

    /** NFSv4.0: the client's callback from its latest confirmed SETCLIENTID, or null. */
    public ClientCallback callback() {
        return callback;
    }

    void callback(ClientCallback cb) {
        callback = cb;
    }

    /** Set once the client's state is dropped: nothing may be added to a client that is gone. */
    boolean expired() {
        return expired;
    }

    void markExpired() {
        expired = true;
    }
}
