package org.nixnfs.bench.nfs;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The benchmarks' NFSv4.1 client: one TCP connection, one session, one request in flight
 * (slot 0), AUTH_SYS as root. It sends the COMPOUNDs the Linux client sends for the same
 * system calls (same operations, same attribute bitmaps) and decodes only what it needs.
 *
 * <p>Lean on purpose, so that the measuring process costs as little as possible of the two
 * shared cores: plain blocking {@link SocketChannel}, one direct buffer each way reused for
 * every call (a 1 MiB READ reply lands in it with one copy, as in any client), no objects per
 * call besides the results. Independent of the server's code (no nixnfs classes), so it
 * measures nixnfs and nfs-ganesha alike.
 */
public final class BenchNfsClient implements AutoCloseable {
    static final int NFS_PROGRAM = 100003;

    // Operation numbers (RFC 8881).
    static final int OP_ACCESS = 3;
    static final int OP_CLOSE = 4;
    static final int OP_GETATTR = 9;
    static final int OP_GETFH = 10;
    static final int OP_LOOKUP = 15;
    static final int OP_OPEN = 18;
    static final int OP_PUTFH = 22;
    static final int OP_PUTROOTFH = 24;
    static final int OP_READ = 25;
    static final int OP_READDIR = 26;
    static final int OP_EXCHANGE_ID = 42;
    static final int OP_CREATE_SESSION = 43;
    static final int OP_DESTROY_SESSION = 44;
    static final int OP_SEQUENCE = 53;
    static final int OP_DESTROY_CLIENTID = 57;
    static final int OP_RECLAIM_COMPLETE = 58;

    /**
     * The attributes Linux asks for in GETATTR, LOOKUP and OPEN replies (nfs4_fattr_bitmap):
     * type, change, size, fsid, fileid | mode, numlinks, owner, owner_group, rawdev,
     * space_used, time_access, time_metadata, time_modify, mounted_on_fileid.
     */
    static final int[] LINUX_GETATTR = {
        (1 << 1) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 20),
        (1 << (33 - 32)) | (1 << (35 - 32)) | (1 << (36 - 32)) | (1 << (37 - 32)) | (1 << (41 - 32))
                | (1 << (45 - 32)) | (1 << (47 - 32)) | (1 << (52 - 32)) | (1 << (53 - 32)) | (1 << (55 - 32)),
    };
    /** READDIR with attributes, as `ls -l` makes Linux ask (readdirplus): the above plus rdattr_error and filehandle. */
    static final int[] LINUX_READDIR = {LINUX_GETATTR[0] | (1 << 11) | (1 << 19), LINUX_GETATTR[1]};
    /** ACCESS bits Linux asks for on open: READ | LOOKUP | EXECUTE (| MODIFY | EXTEND | DELETE, refused anyway). */
    static final int ACCESS_MASK = 0x1 | 0x2 | 0x20;

    private final SocketChannel channel;
    private ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final byte[] cred;
    private int xid = ThreadLocalRandom.current().nextInt();
    private long clientId;
    private final byte[] sessionId = new byte[16];
    private int slotSeq;
    private final byte[] ownerName;
    private int maxResponse;
    private int opCount;
    private int opCountPos;

    private BenchNfsClient(SocketChannel channel) {
        this.channel = channel;
        this.cred = authSysRoot();
        this.ownerName = ("nixnfs-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Connects and sets up a client id and a session (EXCHANGE_ID, CREATE_SESSION, RECLAIM_COMPLETE). */
    public static BenchNfsClient connect(InetSocketAddress server) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(server);
            BenchNfsClient c = new BenchNfsClient(ch);
            c.establish();
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The fore channel's maximum response size the server granted. */
    public int maxResponse() {
        return maxResponse;
    }

    private void establish() throws IOException {
        // EXCHANGE_ID: owner {verifier, id}, flags 0, SP4_NONE, no implementation id.
        begin(false);
        op(OP_EXCHANGE_ID);
        out.putLong(System.nanoTime());
        opaque(ownerName);
        out.putInt(0).putInt(0).putInt(0);
        call();
        expect(OP_EXCHANGE_ID);
        clientId = in.getLong();
        int seq = in.getInt();

        // CREATE_SESSION: fore channel for 1 MiB READs, a minimal back channel we never serve.
        begin(false);
        op(OP_CREATE_SESSION);
        out.putLong(clientId).putInt(seq).putInt(0);
        out.putInt(0).putInt(64 * 1024).putInt((1 << 20) + 64 * 1024).putInt(8192).putInt(16).putInt(1).putInt(0);
        out.putInt(0).putInt(4096).putInt(4096).putInt(0).putInt(2).putInt(1).putInt(0);
        out.putInt(0x40000000).putInt(1).putInt(0); // cb_program, one AUTH_NONE callback security parameter
        call();
        expect(OP_CREATE_SESSION);
        in.get(sessionId);
        in.getInt(); // sequence
        in.getInt(); // flags
        in.getInt(); // header pad
        in.getInt(); // max request
        maxResponse = in.getInt();
        slotSeq = 0;

        begin(true);
        op(OP_RECLAIM_COMPLETE);
        out.putInt(0);
        call();
        expect(OP_RECLAIM_COMPLETE);
    }

    // ---- the operations the benchmarks time

    /**
     * The NULL procedure (no arguments, no results) with the same credential on the same
     * connection: a round trip through the server's RPC layer and nothing else, the floor
     * under every COMPOUND.
     */
    public void nullCall() throws IOException {
        rpcHeader(0);
        send();
        readReplyHeader();
    }

    /** PUTROOTFH, LOOKUP each component of an absolute path, GETFH: the file handle of a path. */
    public byte[] lookupPath(String path) throws IOException {
        begin(true);
        op(OP_PUTROOTFH);
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                op(OP_LOOKUP);
                string(c);
            }
        }
        op(OP_GETFH);
        call();
        expect(OP_PUTROOTFH);
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                expect(OP_LOOKUP);
            }
        }
        expect(OP_GETFH);
        return readOpaque();
    }

    /** SEQUENCE, PUTFH, GETATTR: what stat() of a file with expired attributes costs. Returns the size. */
    public long getattr(byte[] fh) throws IOException {
        begin(true);
        putFh(fh);
        getattrOp(LINUX_GETATTR);
        call();
        expect(OP_PUTFH);
        expect(OP_GETATTR);
        return skipFattrReturnSize();
    }

    /** SEQUENCE, PUTFH dir, LOOKUP name, GETFH, GETATTR: one path component, as Linux looks it up. */
    public byte[] lookup(byte[] dirFh, String name) throws IOException {
        return lookup(dirFh, name.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] lookup(byte[] dirFh, byte[] name) throws IOException {
        begin(true);
        putFh(dirFh);
        op(OP_LOOKUP);
        opaque(name);
        op(OP_GETFH);
        getattrOp(LINUX_GETATTR);
        call();
        expect(OP_PUTFH);
        expect(OP_LOOKUP);
        expect(OP_GETFH);
        byte[] fh = readOpaque();
        expect(OP_GETATTR);
        skipFattrReturnSize();
        return fh;
    }

    /**
     * SEQUENCE, PUTFH file, OPEN (read, CLAIM_FH: the file was just looked up), ACCESS, GETATTR,
     * as Linux opens a file it has a dentry for. Returns the open stateid (16 bytes).
     */
    public byte[] open(byte[] fh) throws IOException {
        begin(true);
        putFh(fh);
        op(OP_OPEN);
        out.putInt(0); // seqid (ignored in 4.1)
        out.putInt(1); // share_access READ
        out.putInt(0); // share_deny NONE
        out.putLong(clientId);
        opaque(ownerName);
        out.putInt(0); // OPEN4_NOCREATE
        out.putInt(4); // CLAIM_FH
        op(OP_ACCESS);
        out.putInt(ACCESS_MASK);
        getattrOp(LINUX_GETATTR);
        call();
        expect(OP_PUTFH);
        expect(OP_OPEN);
        byte[] stateid = new byte[16];
        in.get(stateid);
        in.getInt(); // change_info: atomic
        in.getLong(); // before
        in.getLong(); // after
        in.getInt(); // rflags
        skipBitmap(); // attrset
        int delegation = in.getInt();
        switch (delegation) {
            case 0 -> { } // OPEN_DELEGATE_NONE
            case 3 -> { // OPEN_DELEGATE_NONE_EXT: why, and for two reasons a bool
                int why = in.getInt();
                if (why == 1 || why == 2) {
                    in.getInt();
                }
            }
            default -> throw new IOException("server granted a delegation (type " + delegation
                    + ") on a session without a back channel");
        }
        expect(OP_ACCESS);
        in.getInt(); // supported
        in.getInt(); // access
        expect(OP_GETATTR);
        skipFattrReturnSize();
        return stateid;
    }

    /**
     * SEQUENCE, PUTFH, READ: reads up to {@code count} bytes at {@code offset}. The data is left in
     * the client's receive buffer; returns its length, with {@link #lastEof()} telling whether the
     * server said eof.
     */
    public int read(byte[] fh, byte[] stateid, long offset, int count) throws IOException {
        begin(true);
        putFh(fh);
        op(OP_READ);
        out.put(stateid);
        out.putLong(offset);
        out.putInt(count);
        call();
        expect(OP_PUTFH);
        expect(OP_READ);
        lastEof = in.getInt() != 0;
        int len = in.getInt();
        lastDataPosition = in.position();
        return len;
    }

    private boolean lastEof;
    private int lastDataPosition;

    public boolean lastEof() {
        return lastEof;
    }

    /** The byte at {@code i} of the last READ's data (what a benchmark consumes). */
    public byte lastDataByte(int i) {
        return in.get(lastDataPosition + i);
    }

    /** Copies the last READ's data into {@code dst} (for correctness checks, not timed). */
    public void lastData(byte[] dst, int off, int len) {
        in.get(lastDataPosition, dst, off, len);
    }

    /** SEQUENCE, PUTFH, CLOSE. */
    public void close(byte[] fh, byte[] stateid) throws IOException {
        begin(true);
        putFh(fh);
        op(OP_CLOSE);
        out.putInt(0); // seqid (ignored in 4.1)
        out.put(stateid);
        call();
        expect(OP_PUTFH);
        expect(OP_CLOSE);
    }

    /**
     * A whole listing with attributes: READDIRs of {@code maxCount} bytes, each SEQUENCE, PUTFH,
     * READDIR, until eof. Returns the number of entries, and hands each name to {@code names}
     * when that is not null.
     */
    public int readdir(byte[] dirFh, int maxCount, Consumer<String> names) throws IOException {
        long cookie = 0;
        long verifier = 0;
        int entries = 0;
        while (true) {
            begin(true);
            putFh(dirFh);
            op(OP_READDIR);
            out.putLong(cookie).putLong(verifier).putInt(maxCount / 4).putInt(maxCount);
            bitmap(LINUX_READDIR);
            call();
            expect(OP_PUTFH);
            expect(OP_READDIR);
            verifier = in.getLong();
            while (in.getInt() != 0) {
                cookie = in.getLong();
                int n = in.getInt();
                if (names != null) {
                    byte[] b = new byte[n];
                    in.get(in.position(), b);
                    names.accept(new String(b, StandardCharsets.UTF_8));
                }
                in.position(in.position() + pad4(n));
                skipBitmap();
                int vals = in.getInt();
                in.position(in.position() + pad4(vals));
                entries++;
            }
            if (in.getInt() != 0) {
                return entries;
            }
        }
    }

    // ---- COMPOUND building

    /** The record mark's place and the RPC call header of NFSv4 procedure {@code proc}. */
    private void rpcHeader(int proc) {
        out.clear();
        out.putInt(0); // record mark, filled in by send()
        out.putInt(++xid).putInt(0).putInt(2).putInt(NFS_PROGRAM).putInt(4).putInt(proc);
        out.putInt(1).putInt(cred.length).put(cred); // AUTH_SYS (cred is padded already)
        out.putInt(0).putInt(0); // verifier AUTH_NONE
    }

    private void begin(boolean sequence) {
        rpcHeader(1); // COMPOUND
        out.putInt(0); // tag ""
        out.putInt(1); // minor version
        opCountPos = out.position();
        out.putInt(0);
        opCount = 0;
        withSequence = sequence;
        if (sequence) {
            op(OP_SEQUENCE);
            out.put(sessionId).putInt(++slotSeq).putInt(0).putInt(0).putInt(0);
        }
    }

    private void op(int opcode) {
        opCount++;
        out.putInt(opcode);
    }

    private void putFh(byte[] fh) {
        op(OP_PUTFH);
        opaque(fh);
    }

    private void getattrOp(int[] bitmap) {
        op(OP_GETATTR);
        bitmap(bitmap);
    }

    private void bitmap(int[] words) {
        out.putInt(words.length);
        for (int w : words) {
            out.putInt(w);
        }
    }

    private void opaque(byte[] b) {
        out.putInt(b.length).put(b);
        for (int i = b.length; (i & 3) != 0; i++) {
            out.put((byte) 0);
        }
    }

    private void string(String s) {
        opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    private boolean withSequence;

    /** Sends the call, reads the reply record, checks the RPC and COMPOUND headers, and SEQUENCE. */
    private void call() throws IOException {
        out.putInt(opCountPos, opCount);
        send();
        readReplyHeader();
        compoundStatus = in.getInt();
        int tagLen = in.getInt();
        in.position(in.position() + pad4(tagLen));
        resultsLeft = in.getInt();
        if (withSequence) {
            expect(OP_SEQUENCE);
            in.position(in.position() + 16 + 5 * 4);
        }
    }

    private void send() throws IOException {
        int len = out.position() - 4;
        out.putInt(0, 0x80000000 | len);
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** Reads the reply record and checks its RPC header up to the procedure's results. */
    private void readReplyHeader() throws IOException {
        readRecord();
        int gotXid = in.getInt();
        if (gotXid != xid) {
            throw new IOException("reply xid " + gotXid + " for call " + xid);
        }
        if (in.getInt() != 1) {
            throw new IOException("not an RPC reply");
        }
        int replyStat = in.getInt();
        if (replyStat != 0) {
            throw new IOException("RPC call denied (reject_stat " + in.getInt() + ")");
        }
        in.getInt(); // verifier flavor
        int vlen = in.getInt();
        in.position(in.position() + pad4(vlen));
        int acceptStat = in.getInt();
        if (acceptStat != 0) {
            throw new IOException("RPC call not accepted: accept_stat " + acceptStat);
        }
    }

    private int compoundStatus;
    private int resultsLeft;

    /** Moves to the next operation's result; throws unless it is {@code opcode} and succeeded. */
    private void expect(int opcode) throws IOException {
        if (resultsLeft-- <= 0) {
            throw new NfsException(opcode, compoundStatus, "missing result (COMPOUND status " + compoundStatus + ")");
        }
        int op = in.getInt();
        int status = in.getInt();
        if (op != opcode) {
            throw new IOException("result for op " + op + ", expected " + opcode);
        }
        if (status != 0) {
            throw new NfsException(opcode, status, "op " + opcode + " failed: NFS status " + status);
        }
    }

    private void readRecord() throws IOException {
        in.clear();
        int total = 0;
        boolean last = false;
        ByteBuffer mark = markBuf;
        while (!last) {
            mark.clear();
            readFully(mark);
            int m = mark.getInt(0);
            last = (m & 0x80000000) != 0;
            int n = m & 0x7fffffff;
            if (total + n > in.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(in.capacity() * 2, total + n + 4096));
                in.flip();
                bigger.put(in);
                in = bigger;
            }
            in.limit(total + n);
            readFully(in);
            total += n;
        }
        in.flip();
    }

    private final ByteBuffer markBuf = ByteBuffer.allocateDirect(4);

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("server closed the connection");
            }
        }
    }

    // ---- reply decoding helpers

    private byte[] readOpaque() {
        int n = in.getInt();
        byte[] b = new byte[n];
        in.get(b);
        in.position(in.position() + ((4 - (n & 3)) & 3));
        return b;
    }

    private void skipBitmap() {
        int n = in.getInt();
        in.position(in.position() + 4 * n);
    }

    /** Skips an fattr4 whose bitmap is LINUX_GETATTR (or a subset); returns the size attribute or -1. */
    private long skipFattrReturnSize() {
        int words = in.getInt();
        int w0 = words > 0 ? in.getInt() : 0;
        in.position(in.position() + 4 * Math.max(0, words - 1));
        int len = in.getInt();
        int start = in.position();
        long size = -1;
        if ((w0 & (1 << 4)) != 0) {
            // type (4), change (8) if present, then size: all fixed-width before it.
            int off = ((w0 & (1 << 1)) != 0 ? 4 : 0) + ((w0 & (1 << 3)) != 0 ? 8 : 0);
            size = in.getLong(start + off);
        }
        in.position(start + pad4(len));
        return size;
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }

    static byte[] authSysRoot() {
        byte[] host = "bench".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + pad4(host.length) + 4 + 4 + 4);
        b.putInt((int) (System.currentTimeMillis() / 1000)).putInt(host.length).put(host);
        b.position(8 + pad4(host.length));
        b.putInt(0).putInt(0).putInt(0);
        return b.array();
    }

    /** An operation failed with an NFS status. */
    public static final class NfsException extends IOException {
        public final int op;
        public final int status;

        NfsException(int op, int status, String message) {
            super(message);
            this.op = op;
            this.status = status;
        }
    }

    /** DESTROY_SESSION and DESTROY_CLIENTID (best effort), then closes the connection. */
    @Override
    public void close() throws IOException {
        try {
            begin(false);
            op(OP_DESTROY_SESSION);
            out.put(sessionId);
            call();
            begin(false);
            op(OP_DESTROY_CLIENTID);
            out.putLong(clientId);
            call();
        } catch (IOException ignored) {
            // the connection goes anyway
        } finally {
            channel.close();
        }
    }
}
