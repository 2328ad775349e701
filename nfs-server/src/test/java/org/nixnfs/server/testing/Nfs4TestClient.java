package org.nixnfs.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * A small NFSv4 client for integration tests: sets up a 4.0 client id or a 4.1/4.2 session,
 * then runs COMPOUNDs (adding SEQUENCE in 4.1+) over a real socket.
 */
public final class Nfs4TestClient implements AutoCloseable {
    public static final int NFS_PROGRAM = 100003;
    public static final byte[] ANONYMOUS_STATEID = new byte[12];

    // Attribute numbers used by tests.
    public static final int SUPPORTED_ATTRS = 0;
    public static final int TYPE = 1;
    public static final int CHANGE = 3;
    public static final int SIZE = 4;
    public static final int FSID = 8;
    public static final int LEASE_TIME = 10;
    public static final int RDATTR_ERROR = 11;
    public static final int FILEHANDLE = 19;
    public static final int FILEID = 20;
    public static final int MAXREAD = 30;
    public static final int MODE = 33;
    public static final int NUMLINKS = 35;
    public static final int OWNER = 36;
    public static final int OWNER_GROUP = 37;
    public static final int SPACE_USED = 45;
    public static final int TIME_MODIFY = 53;
    public static final int MOUNTED_ON_FILEID = 55;

    private RpcTestClient rpc;
    private final InetSocketAddress server;
    private final int minor;
    private final byte[] cred = RpcTestClient.authSysRoot();
    private long clientId;
    private byte[] sessionId;
    private int slotSeq;

    private Nfs4TestClient(RpcTestClient rpc, int minor) {
        this(rpc, null, minor);
    }

    private Nfs4TestClient(RpcTestClient rpc, InetSocketAddress server, int minor) {
        this.rpc = rpc;
        this.server = server;
        this.minor = minor;
    }

    /** The callback program this client registers; any number would do. */
    public static final int CALLBACK_PROGRAM = 0x40000000;
    private static final int CONN_BACK_CHAN = 0x2;
    /** The callback_ident a 4.0 client gives in SETCLIENTID. */
    public static final int CALLBACK_IDENT = 1;

    /** A recall the server sent (CB_RECALL), with the delegation's stateid and file. */
    public record Recall(int seqid, byte[] other, byte[] fh) {
    }

    private final BlockingQueue<Recall> recalls = new LinkedBlockingQueue<>();
    private boolean backchannel;
    private int expectedCallbackProgram = CALLBACK_PROGRAM;
    private final List<RpcTestClient.IncomingCall> callbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Integer> recallsPerCall = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** 4.0: the callback address SETCLIENTID gives (r_netid, r_addr), and our listener behind it, if any. */
    private String callbackNetid = "tcp";
    private String callbackAddress = "127.0.0.1.0.0";
    private java.net.ServerSocket callbackListener;
    private final List<java.net.Socket> callbackConnections = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger cbNulls = new java.util.concurrent.atomic.AtomicInteger();
    private IntUnaryOperator sequenceStatus = n -> 0;
    private ToIntFunction<Recall> recallStatus = r -> 0;
    private int backMaxOperations = 2;
    private int backMaxRequests = 1;

    /** Callbacks from now on must name this program (after a BACKCHANNEL_CTL). */
    public void expectCallbackProgram(int program) {
        expectedCallbackProgram = program;
    }

    /**
     * A 4.0 client that listens for the server's callback connection on 127.0.0.1 (an ephemeral
     * port, given in SETCLIENTID) and answers CB_NULL and CB_COMPOUND (CB_RECALL) on every
     * connection the server makes to it, in a thread of its own.
     */
    public static Nfs4TestClient connectWithCallbackListener(InetSocketAddress server) throws IOException {
        Nfs4TestClient c = new Nfs4TestClient(new RpcTestClient(server), server, 0);
        c.callbackListener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
        int port = c.callbackListener.getLocalPort();
        c.callbackAddress = "127.0.0.1." + (port >> 8) + "." + (port & 0xff);
        Thread t = new Thread(c::acceptCallbackConnections, "nfs4-test-callbacks");
        t.setDaemon(true);
        t.start();
        c.establish("nixnfs-test-" + System.nanoTime());
        return c;
    }

    /** A 4.0 client whose SETCLIENTID names this callback address (nothing listens for it here). */
    public static Nfs4TestClient connectWithCallbackAddress(InetSocketAddress server, String netid, String uaddr)
            throws IOException {
        Nfs4TestClient c = new Nfs4TestClient(new RpcTestClient(server), server, 0);
        c.callbackNetid = netid;
        c.callbackAddress = uaddr;
        c.establish("nixnfs-test-" + System.nanoTime());
        return c;
    }

    private void acceptCallbackConnections() {
        while (!callbackListener.isClosed()) {
            java.net.Socket s;
            try {
                s = callbackListener.accept();
            } catch (IOException e) {
                return; // closed
            }
            callbackConnections.add(s);
            Thread t = new Thread(() -> {
                try (RpcTestClient conn = new RpcTestClient(s)) {
                    conn.onCall(this::answerCallback);
                    while (true) {
                        conn.awaitCall(24 * 3600 * 1000);
                    }
                } catch (IOException | RuntimeException e) {
                    // the connection closed
                }
            }, "nfs4-test-callback-connection");
            t.setDaemon(true);
            t.start();
        }
    }

    /** How many connections the server made to our callback listener. */
    public int callbackConnectionCount() {
        return callbackConnections.size();
    }

    /** How many CB_NULLs the server sent us. */
    public int cbNullCount() {
        return cbNulls.get();
    }

    /** Closes the connections the server made to us, still listening for new ones. */
    public void dropCallbackConnections() throws IOException {
        for (java.net.Socket s : callbackConnections) {
            s.close();
        }
    }

    /** Stops listening for callbacks and closes the connections the server made: the callback path is gone. */
    public void dropCallbackPath() throws IOException {
        callbackListener.close();
        for (java.net.Socket s : callbackConnections) {
            s.close();
        }
    }

    /** Answers callbacks on this connection from now on (for a backchannel bound later). */
    public void acceptCallbacks() {
        rpc.onCall(this::answerCallback);
    }

    /** The callbacks answered so far. */
    public List<RpcTestClient.IncomingCall> callbacks() {
        return callbacks;
    }

    /** How many CB_RECALLs each CB_COMPOUND carried, in the order they came. */
    public List<Integer> recallsPerCall() {
        return recallsPerCall;
    }

    /** CB_SEQUENCE answers with {@code status.applyAsInt(n)} for the n-th callback (from 1); 0 by default. */
    public void answerSequenceWith(IntUnaryOperator status) {
        sequenceStatus = status;
    }

    /** CB_RECALL answers with this status for a recall; 0 by default. After a failure the call's other operations are not run. */
    public void answerRecallWith(ToIntFunction<Recall> status) {
        recallStatus = status;
    }

    /**
     * A 4.1+ client whose session's backchannel is its connection, with these back-channel
     * attributes in CREATE_SESSION: ca_maxoperations (CB_SEQUENCE included) and ca_maxrequests
     * (slots). Linux offers 2 and 1.
     */
    public static Nfs4TestClient connectWithBackchannel(InetSocketAddress server, int minor, int backMaxOperations,
                                                        int backMaxRequests) throws IOException {
        Nfs4TestClient c = new Nfs4TestClient(new RpcTestClient(server), server, minor);
        c.backchannel = true;
        c.backMaxOperations = backMaxOperations;
        c.backMaxRequests = backMaxRequests;
        c.rpc.onCall(c::answerCallback);
        c.establish("nixnfs-test-" + System.nanoTime());
        return c;
    }

    /** Drops this client's connection (its backchannel) and connects again, keeping its session; callbacks are answered on the new one once it is bound. */
    public void reconnect() throws IOException {
        rpc.close();
        rpc = new RpcTestClient(server);
        rpc.onCall(this::answerCallback);
    }

    /** BIND_CONN_TO_SESSION of this connection for both directions: CDFS4_BOTH expected. */
    public void bindBothChannels() throws IOException {
        CompoundReply bound = raw(new Compound(minor).op(41).fixed(sessionId).i32(7).bool(false)); // CDFC4_BACK_OR_BOTH
        bound.ok(41);
        bound.fixed(16);
        if (bound.i32() != 3) {
            throw new AssertionError("not bound for both directions");
        }
    }

    /**
     * A 4.1+ client whose session has a backchannel on its connection (CREATE_SESSION with
     * CONN_BACK_CHAN); it answers CB_SEQUENCE and CB_RECALL with NFS4_OK whenever it reads.
     */
    public static Nfs4TestClient connectWithBackchannel(InetSocketAddress server, int minor) throws IOException {
        return connectWithBackchannel(server, minor, 2, 1);
    }

    /** CB_NULL (4.0's probe); CB_COMPOUND: CB_SEQUENCE echoed, CB_RECALL remembered; NFS4_OK unless told otherwise. */
    private ByteBuf answerCallback(RpcTestClient.IncomingCall call) {
        XdrDecoder d = call.args();
        if (minor == 0 && call.program() == expectedCallbackProgram && call.version() == 1 && call.procedure() == 0) {
            cbNulls.incrementAndGet();
            return Unpooled.buffer(0);
        }
        if (call.program() != expectedCallbackProgram || call.version() != 1 || call.procedure() != 1) {
            throw new AssertionError("unexpected callback " + call);
        }
        callbacks.add(call);
        d.readString(1024); // tag
        int cbMinor = d.readInt();
        int ident = d.readInt();
        if (cbMinor != minor || (minor == 0 && ident != CALLBACK_IDENT)) {
            throw new AssertionError("CB_COMPOUND of minor version " + cbMinor + " with ident " + ident);
        }
        int n = d.readInt();
        ByteBuf results = Unpooled.buffer();
        int status = 0;
        int done = 0;
        for (int i = 0; i < n && status == 0; i++) {
            int op = d.readInt();
            done++;
            if (op == 11) { // CB_SEQUENCE
                byte[] session = d.readFixedOpaque(16);
                int seq = d.readInt();
                int slot = d.readInt();
                int highest = d.readInt();
                d.readBoolean();
                if (d.readInt() != 0) {
                    throw new AssertionError("the test client expects no referring calls");
                }
                if (i != 0 || slot > highest || highest >= backMaxRequests) {
                    throw new AssertionError("CB_SEQUENCE " + i + " on slot " + slot + " of " + (highest + 1)
                            + ", the client offered " + backMaxRequests);
                }
                status = sequenceStatus.applyAsInt(callbacks.size());
                results.writeInt(op).writeInt(status);
                if (status == 0) {
                    results.writeBytes(session).writeInt(seq).writeInt(slot).writeInt(highest).writeInt(highest);
                }
            } else if (op == 4) { // CB_RECALL
                int seqid = d.readInt();
                byte[] other = d.readFixedOpaque(12);
                d.readBoolean();
                byte[] fh = d.readOpaque(128);
                Recall r = new Recall(seqid, other, fh);
                status = recallStatus.applyAsInt(r);
                if (status == 0) {
                    recalls.add(r);
                }
                results.writeInt(op).writeInt(status);
            } else {
                throw new AssertionError("unexpected callback operation " + op);
            }
        }
        if (minor == 0) {
            recallsPerCall.add(n); // no CB_SEQUENCE in 4.0, and no limits offered
        } else {
            if (n > backMaxOperations) {
                throw new AssertionError(n + " operations in a callback, the client offered " + backMaxOperations);
            }
            recallsPerCall.add(n - 1);
        }
        ByteBuf out = Unpooled.buffer();
        out.writeInt(status).writeInt(0).writeInt(done); // status, empty tag, results
        out.writeBytes(results);
        return out;
    }

    /** The next recall the server sends, reading the connection for it for up to {@code timeoutMillis}. */
    public Recall awaitRecall(int timeoutMillis) throws IOException {
        if (callbackListener != null) { // 4.0: recalls come on the connections our listener accepted
            try {
                Recall r = recalls.poll(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (r == null) {
                    throw new java.net.SocketTimeoutException("no recall within " + timeoutMillis + " ms");
                }
                return r;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        Recall r = recalls.poll();
        while (r == null) {
            rpc.awaitCall(timeoutMillis);
            r = recalls.poll();
        }
        return r;
    }

    public static Nfs4TestClient connect(InetSocketAddress server, int minor) throws IOException {
        Nfs4TestClient c = new Nfs4TestClient(new RpcTestClient(server), minor);
        c.establish("nixnfs-test-" + System.nanoTime());
        return c;
    }

    /** Connects from the given source address (e.g. 127.0.0.2, to be a second client host). */
    public static Nfs4TestClient connect(InetSocketAddress server, int minor, java.net.InetAddress localAddress)
            throws IOException {
        Nfs4TestClient c = new Nfs4TestClient(new RpcTestClient(server, localAddress), minor);
        c.establish("nixnfs-test-" + System.nanoTime());
        return c;
    }

    /** A connection without a client id or session, for tests of those operations themselves. */
    public static Nfs4TestClient connectBare(InetSocketAddress server, int minor) throws IOException {
        return new Nfs4TestClient(new RpcTestClient(server), minor);
    }

    /** A connection without a client id or session, from the given source address. */
    public static Nfs4TestClient connectBare(InetSocketAddress server, int minor, java.net.InetAddress localAddress)
            throws IOException {
        return new Nfs4TestClient(new RpcTestClient(server, localAddress), minor);
    }

    public RpcTestClient rpc() {
        return rpc;
    }

    public int minor() {
        return minor;
    }

    public long clientId() {
        return clientId;
    }

    public byte[] sessionId() {
        return sessionId;
    }

    public void establish(String owner) throws IOException {
        if (minor == 0) {
            CompoundReply r = raw(new Compound(0).op(35).fixed(new byte[8]).string(owner)
                    .i32(CALLBACK_PROGRAM).string(callbackNetid).string(callbackAddress).i32(CALLBACK_IDENT));
            r.ok(35);
            clientId = r.i64();
            byte[] confirm = r.fixed(8);
            raw(new Compound(0).op(36).i64(clientId).fixed(confirm)).ok(36);
            return;
        }
        CompoundReply r = raw(new Compound(minor).op(42).fixed(new byte[8]).string(owner).i32(0).i32(0).i32(0));
        r.ok(42);
        clientId = r.i64();
        int seq = r.i32();
        CompoundReply s = raw(new Compound(minor).op(43).i64(clientId).i32(seq).i32(backchannel ? CONN_BACK_CHAN : 0)
                .i32(0).i32(1 << 20).i32(1 << 20).i32(8192).i32(16).i32(8).i32(0)
                .i32(0).i32(4096).i32(4096).i32(0).i32(backMaxOperations).i32(backMaxRequests).i32(0)
                .i32(CALLBACK_PROGRAM).i32(1).i32(0));
        s.ok(43);
        sessionId = s.fixed(16);
        slotSeq = 0;
        raw(withSequence(new Compound(minor).op(58).bool(false))).ok(53);
    }

    /** Sends a COMPOUND exactly as given. */
    public CompoundReply raw(Compound c) throws IOException {
        RpcTestClient.Reply reply = rpc.call(NFS_PROGRAM, 4, 1, RpcTestClient.AUTH_SYS, cred, c.encode());
        if (!reply.success()) {
            throw new AssertionError("RPC failed: reply " + reply.replyStat() + " accept " + reply.acceptStat());
        }
        return new CompoundReply(reply.body());
    }

    public Compound withSequence(Compound c) {
        Compound seq = new Compound(minor).op(53).fixed(sessionId).i32(++slotSeq).i32(0).i32(0).bool(false);
        return c.prependedWith(seq);
    }

    /** Runs a COMPOUND; in 4.1+ with SEQUENCE first, whose result is consumed. */
    public CompoundReply compound(Compound c) throws IOException {
        if (minor == 0) {
            return raw(c);
        }
        CompoundReply r = raw(withSequence(c));
        if (r.next(53) == 0) {
            statusFlags(r);
        }
        return r;
    }

    public Compound newCompound() {
        return new Compound(minor);
    }

    /** The file handle of an absolute path, by LOOKUPs from the root. */
    public byte[] lookup(String path) throws IOException {
        Compound c = newCompound().putRootFh().lookupPath(path).getFh();
        CompoundReply r = compound(c);
        r.ok(24);
        for (String comp : path.split("/")) {
            if (!comp.isEmpty()) {
                int s = r.next(15);
                if (s != 0) {
                    throw new NfsError(s);
                }
            }
        }
        r.ok(10);
        return r.opaque();
    }

    /** Thrown by the helpers when an operation fails. */
    public static final class NfsError extends IOException {
        public final int status;

        public NfsError(int status) {
            super("NFS status " + status);
            this.status = status;
        }
    }

    public Map<Integer, Object> getAttr(byte[] fh, int... attrs) throws IOException {
        CompoundReply r = compound(newCompound().putFh(fh).getAttr(attrs));
        check(r.next(22));
        check(r.next(9));
        return decodeAttrs(r.fattr());
    }

    static void check(int status) throws NfsError {
        if (status != 0) {
            throw new NfsError(status);
        }
    }

    /** Decodes the attributes tests use, in attribute order. */
    public static Map<Integer, Object> decodeAttrs(CompoundReply.Fattr f) {
        XdrDecoder d = new XdrDecoder(Unpooled.wrappedBuffer(f.values()));
        Map<Integer, Object> m = new LinkedHashMap<>();
        for (int a = 0; a < f.bitmap().length * 32; a++) {
            if (!f.has(a)) {
                continue;
            }
            Object v = switch (a) {
                case SUPPORTED_ATTRS -> {
                    int n = d.readInt();
                    int[] w = new int[n];
                    for (int i = 0; i < n; i++) {
                        w[i] = d.readInt();
                    }
                    yield w;
                }
                case TYPE, LEASE_TIME, RDATTR_ERROR, MODE, NUMLINKS -> d.readInt();
                case CHANGE, SIZE, FILEID, MAXREAD, SPACE_USED, MOUNTED_ON_FILEID -> d.readLong();
                case FSID -> new long[] {d.readLong(), d.readLong()};
                case FILEHANDLE -> d.readOpaque(128);
                case OWNER, OWNER_GROUP -> d.readString(1024);
                case TIME_MODIFY -> d.readLong() * 1_000_000_000L + d.readInt();
                default -> throw new IllegalArgumentException("test client cannot decode attribute " + a);
            };
            m.put(a, v);
        }
        return m;
    }

    /**
     * An OPEN's outcome: the open stateid, the file's handle, the read delegation's stateid or
     * null, and why there is none when the server said (OPEN_DELEGATE_NONE_EXT's WND4 reason), else -1.
     */
    public record Opened(int seqid, byte[] other, byte[] fh, Delegated delegation, int whyNone) {
    }

    /** A read delegation's stateid. */
    public record Delegated(int seqid, byte[] other) {
    }

    public Opened open(byte[] dirFh, String name) throws IOException {
        return open(dirFh, name, 1);
    }

    /** OPEN with these share_access bits (read, and any "want" bits of 4.1). */
    public Opened open(byte[] dirFh, String name, int shareAccess) throws IOException {
        Compound c = newCompound().putFh(dirFh).op(18).i32(0).i32(shareAccess).i32(0).i64(clientId).string("owner")
                .i32(0).i32(0).string(name).getFh();
        CompoundReply r = compound(c);
        check(r.next(22));
        check(r.next(18));
        int seqid = r.i32();
        byte[] other = r.fixed(12);
        r.bool();
        r.i64();
        r.i64();
        r.i32();
        r.bitmap();
        Delegated delegation = null;
        int whyNone = -1;
        int type = r.i32();
        if (type == 1) { // OPEN_DELEGATE_READ: stateid, recall, an ACE
            delegation = new Delegated(r.i32(), r.fixed(12));
            r.bool();
            r.i32();
            r.i32();
            r.i32();
            r.string();
        } else if (type == 3) { // OPEN_DELEGATE_NONE_EXT
            int why = whyNone = r.i32();
            if (why == 1 || why == 2) {
                r.bool();
            }
        } else if (type != 0) {
            throw new AssertionError("unexpected delegation type " + type);
        }
        check(r.next(10));
        return new Opened(seqid, other, r.opaque(), delegation, whyNone);
    }

    public void close(Opened o) throws IOException {
        CompoundReply r = compound(newCompound().putFh(o.fh()).op(4).i32(0).stateId(o.seqid(), o.other()));
        check(r.next(22));
        check(r.next(4));
    }

    /** DELEGRETURN of a delegation of the file {@code fh}; its status. */
    public int delegReturn(byte[] fh, int seqid, byte[] other) throws IOException {
        CompoundReply r = compound(newCompound().putFh(fh).op(8).stateId(seqid, other));
        check(r.next(22));
        return r.next(8);
    }

    /** A SEQUENCE alone: its sr_status_flags (4.1+). */
    public int sequenceFlags() throws IOException {
        CompoundReply r = raw(withSequence(newCompound()));
        check(r.next(53));
        return statusFlags(r);
    }

    /** The sr_status_flags of a SEQUENCE4resok whose status has been read. */
    public static int statusFlags(CompoundReply sequence) {
        sequence.fixed(16); // session id
        sequence.i32(); // sequence id
        sequence.i32(); // slot id
        sequence.i32(); // highest slot id
        sequence.i32(); // target highest slot id
        return sequence.i32();
    }

    /** Reads a whole file with READs of {@code chunk} bytes. */
    public byte[] readAll(byte[] fh, int seqid, byte[] other, int chunk) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            CompoundReply r = compound(newCompound().putFh(fh).read(seqid, other, offset, chunk));
            check(r.next(22));
            check(r.next(25));
            boolean eof = r.bool();
            byte[] data = r.opaque();
            out.write(data);
            offset += data.length;
            if (eof) {
                return out.toByteArray();
            }
            if (data.length == 0) {
                throw new AssertionError("READ returned no data before eof");
            }
        }
    }

    /** All entry names of a directory, paging with READDIR replies of at most {@code maxCount} bytes. */
    public List<String> readDirNames(byte[] dirFh, int maxCount) throws IOException {
        List<String> names = new ArrayList<>();
        long cookie = 0;
        byte[] verifier = new byte[8];
        while (true) {
            CompoundReply r = compound(newCompound().putFh(dirFh).readDir(cookie, verifier, maxCount, maxCount, TYPE, FILEID));
            check(r.next(22));
            check(r.next(26));
            verifier = r.fixed(8);
            while (r.bool()) {
                cookie = r.i64();
                names.add(r.string());
                r.fattr();
            }
            if (r.bool()) {
                return names;
            }
        }
    }

    public static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        if (callbackListener != null) {
            dropCallbackPath();
        }
        rpc.close();
    }
}
