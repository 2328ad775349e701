package org.nixnfs.server.nfs4;

import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.rpc.RpcCall;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.Node;

/**
 * The state one COMPOUND carries from operation to operation (RFC 7530 section 15.2): the
 * current and saved file handles, the current stateid (4.1), and the session it runs in.
 */
public final class CompoundContext {
    private final NfsServices services;
    private final RpcCall call;
    private final int minorVersion;
    private final long operationCount;
    private Node current;
    private Node saved;
    private StateId currentStateId;
    private StateId savedStateId;
    private Session session;
    private int slot = -1;
    private boolean cacheThis;
    private long bytesRead;

    public CompoundContext(NfsServices services, RpcCall call, int minorVersion, long operationCount) {
        this.services = services;
        this.call = call;
        this.minorVersion = minorVersion;
        this.operationCount = operationCount;
    }

    /** How many operations the COMPOUND holds (SEQUENCE checks it against the session's limit). */
    public long operationCount() {
        return operationCount;
    }

    public NfsServices services() {
        return services;
    }

    public RpcCall call() {
        return call;
    }

    public int minorVersion() {
        return minorVersion;
    }

    /** The current file handle's node; NOFILEHANDLE if there is none. */
    public Node current() throws NfsException {
        if (current == null) {
            throw new NfsException(NfsStatus.NFS4ERR_NOFILEHANDLE);
        }
        return current;
    }

    /** Makes {@code node} current, recording the use of the store path it belongs to. */
    public void setCurrent(Node node) {
        current = node;
        currentStateId = null;
        String storePath = node.storePathHash();
        if (storePath != null) {
            services.accessRecorder().accessed(storePath, call.clientAddress());
        }
    }

    /** SECINFO in 4.1 consumes the current file handle. */
    public void clearCurrent() {
        current = null;
        currentStateId = null;
    }

    public void saveCurrent() throws NfsException {
        saved = current();
        savedStateId = currentStateId;
    }

    public void restoreSaved() throws NfsException {
        if (saved == null) {
            throw new NfsException(NfsStatus.NFS4ERR_RESTOREFH);
        }
        current = saved;
        currentStateId = savedStateId;
    }

    /** Resolves the special "current stateid" of 4.1 to the one the last operation produced. */
    public StateId resolveStateId(StateId id) throws NfsException {
        if (minorVersion > 0 && id.isCurrent()) {
            if (currentStateId == null) {
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "no current stateid");
            }
            return currentStateId;
        }
        return id;
    }

    public void setCurrentStateId(StateId id) {
        currentStateId = id;
    }

    public Session session() {
        return session;
    }

    public void inSession(Session s, int slotId, boolean cacheThis) {
        this.session = s;
        this.slot = slotId;
        this.cacheThis = cacheThis;
    }

    public int slot() {
        return slot;
    }

    public boolean cacheThis() {
        return cacheThis;
    }

    /** The client this request acts for: the session's in 4.1. */
    public ClientRecord sessionClient() throws NfsException {
        if (session == null) {
            throw new NfsException(NfsStatus.NFS4ERR_OP_NOT_IN_SESSION);
        }
        return session.client();
    }

    /**
     * Whether READ may splice file data without copying. Not when the reply is to be kept in the
     * session's replay cache, which holds bytes.
     */
    public boolean zeroCopyAllowed() {
        return !cacheThis;
    }

    /** READ adds the file bytes it returns (the processor reports them to the observer). */
    public void addBytesRead(long n) {
        bytesRead += n;
    }

    public long bytesRead() {
        return bytesRead;
    }
}
