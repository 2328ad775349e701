package org.nixnfs.server.nfs4;

import io.netty.channel.Channel;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.rpc.Credential;
import org.nixnfs.server.rpc.RpcCall;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * The state one COMPOUND carries from operation to operation (RFC 7530 section 15.2): the
 * current and saved file handles, the current stateid (4.1), and the session it runs in.
 */
public final class CompoundContext {
    private final NfsServices services;
    private final RpcCall call;
    private final int minorVersion;
    private final long operationCount;
    private final int requestSize;
    private long operationIndex;
    private Node current;
    private Node saved;
    private StateId currentStateId;
    private StateId savedStateId;
    private Session session;
    private int slot = -1;
    private boolean cacheThis;
    private long bytesRead;
    private boolean mayWait;

    /** @param requestSize the whole RPC message, as a session's ca_maxrequestsize counts it */
    public CompoundContext(NfsServices services, RpcCall call, int minorVersion, long operationCount,
                           int requestSize) {
        this.services = services;
        this.call = call;
        this.minorVersion = minorVersion;
        this.operationCount = operationCount;
        this.requestSize = requestSize;
    }

    public int requestSize() {
        return requestSize;
    }

    /** The processor moves on to operation {@code index} (from 0). */
    void atOperation(long index) {
        operationIndex = index;
    }

    /** The processor runs the next operations on a worker thread (true) or on the event loop (false). */
    void runningOnWorker(boolean onWorker) {
        mayWait = onWorker;
    }

    /**
     * Whether the operation running may wait (for a fetch fault-in has in progress): only on a
     * worker thread, never on the event loop. An operation that wants to wait declines to
     * {@linkplain Operation#executeInMemory execute in memory}, and is then run on a worker.
     */
    public boolean mayWait() {
        return mayWait;
    }

    /** Whether the operation running is the COMPOUND's last (DESTROY_SESSION must be, in its own session). */
    public boolean isLastOperation() {
        return operationIndex == operationCount - 1;
    }

    /**
     * Who sends the request, as client records remember it (RFC 8881 section 18.35.5 compares
     * principals): with AUTH_SYS, its uid and gid; the machine name is not part of it.
     */
    public String principal() {
        Credential c = call.credential();
        return c.flavor() == Credential.AUTH_SYS ? "AUTH_SYS " + c.uid() + ":" + c.gid() : "AUTH_NONE";
    }

    /** The connection the request came on, as sessions bind it; null without one. */
    public Object connection() {
        Channel ch = call.channel();
        return ch == null ? null : ch.id();
    }

    /** Binds the request's connection to the session's fore channel, until the connection closes. */
    public void bindConnection(Session s) {
        Channel ch = call.channel();
        if (ch != null && s.bind(ch.id())) {
            ch.closeFuture().addListener(closed -> s.unbind(ch.id()));
        }
    }

    /** Binds the request's connection to the session's backchannel too, until the connection closes. */
    public void bindBackchannel(Session s) {
        Channel ch = call.channel();
        if (ch != null) {
            s.back().bind(ch);
        }
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

    /**
     * How many more bytes the reply may take: in a session, what is left of the client's
     * ca_maxresponsesize (and of ca_maxresponsesize_cached when the reply is to be cached), so
     * that READ and READDIR return less rather than fail with REP_TOO_BIG (RFC 8881 section
     * 2.10.6.4); outside a session, no limit but the operation's own.
     */
    public long replyRoom(XdrEncoder reply) {
        if (session == null) {
            return Long.MAX_VALUE;
        }
        long max = Integer.toUnsignedLong(session.fore().maxResponseSize());
        if (cacheThis) {
            max = Math.min(max, Integer.toUnsignedLong(session.fore().maxResponseSizeCached()));
        }
        return Math.max(0, max - reply.length());
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
