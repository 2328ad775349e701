package org.nixnfs.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * A minimal ONC RPC client over a real TCP socket, for tests: sends one call, reads replies
 * until the one with the same xid arrives. Raw access to the socket lets tests send garbage.
 */
public final class RpcTestClient implements AutoCloseable {
    public static final int AUTH_NONE = 0;
    public static final int AUTH_SYS = 1;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextXid = 1;
    private CallHandler callHandler;
    private final ArrayDeque<IncomingCall> answered = new ArrayDeque<>();

    /** A call the server made on this connection (a backchannel callback), positioned at its arguments. */
    public record IncomingCall(int xid, int program, int version, int procedure, int credentialFlavor, XdrDecoder args) {
    }

    /** Answers the server's calls: returns the procedure's results (after an accepted, successful header). */
    public interface CallHandler {
        ByteBuf answer(IncomingCall call);
    }

    /** Calls from the server are answered by {@code h} whenever they arrive while this client reads. */
    public void onCall(CallHandler h) {
        callHandler = h;
    }

    public RpcTestClient(InetSocketAddress server) throws IOException {
        this(server, null);
    }

    /** @param localAddress the source address to connect from (e.g. 127.0.0.2); null for any */
    public RpcTestClient(InetSocketAddress server, InetAddress localAddress) throws IOException {
        socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(server, 30_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The server's side of a connection a server made to us (a 4.0 callback connection we accepted). */
    public RpcTestClient(Socket accepted) throws IOException {
        socket = accepted;
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The decoded reply header, and the results of an accepted, successful call. */
    public record Reply(int xid, int replyStat, int acceptStat, int rejectStat, int[] extra, XdrDecoder body) {
        public boolean success() {
            return replyStat == 0 && acceptStat == 0;
        }
    }

    /** AUTH_SYS as root on host "test". */
    public static byte[] authSysRoot() {
        return authSys(0, 0);
    }

    public static byte[] authSys(int uid, int gid) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(0).writeInt(4).writeBytes("test".getBytes()).writeInt(uid).writeInt(gid).writeInt(0);
        byte[] a = new byte[b.readableBytes()];
        b.readBytes(a);
        return a;
    }

    public Reply call(int program, int version, int procedure, int credFlavor, byte[] credBody, ByteBuf args)
            throws IOException {
        int xid = nextXid++;
        ByteBuf msg = Unpooled.buffer();
        msg.writeInt(xid).writeInt(0).writeInt(2).writeInt(program).writeInt(version).writeInt(procedure);
        msg.writeInt(credFlavor).writeInt(credBody.length).writeBytes(credBody).writeZero(pad(credBody.length));
        msg.writeInt(AUTH_NONE).writeInt(0);
        msg.writeBytes(args);
        sendRecord(msg);
        return awaitReply(xid);
    }

    /** Sends bytes as one record (one last fragment). */
    public void sendRecord(ByteBuf msg) throws IOException {
        byte[] body = new byte[msg.readableBytes()];
        msg.readBytes(body);
        ByteBuf mark = Unpooled.buffer(4).writeInt(0x80000000 | body.length);
        out.write(mark.array(), 0, 4);
        out.write(body);
        out.flush();
    }

    /** Sends raw bytes: record marks and all are up to the caller. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public Reply awaitReply(int xid) throws IOException {
        while (true) {
            ByteBuf rec = readRecord();
            if (rec.getInt(4) == 0) { // a CALL from the server
                answer(rec);
                continue;
            }
            XdrDecoder d = new XdrDecoder(rec);
            int got = d.readInt();
            d.readInt(); // REPLY
            int replyStat = d.readInt();
            if (replyStat == 1) { // MSG_DENIED
                int rejectStat = d.readInt();
                int[] extra = rejectStat == 0 ? new int[] {d.readInt(), d.readInt()} : new int[] {d.readInt()};
                if (got == xid) {
                    return new Reply(got, replyStat, -1, rejectStat, extra, d);
                }
                continue;
            }
            d.readInt(); // verifier flavor
            d.skipOpaque(400);
            int acceptStat = d.readInt();
            int[] extra = acceptStat == 2 ? new int[] {d.readInt(), d.readInt()} : new int[0];
            if (got == xid) {
                return new Reply(got, replyStat, acceptStat, -1, extra, d);
            }
        }
    }

    /**
     * The next call the server makes on this connection (answered already by the handler): one
     * that arrived while waiting for a reply, or the next one to arrive within {@code timeoutMillis}.
     */
    public IncomingCall awaitCall(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            while (answered.isEmpty()) {
                ByteBuf rec = readRecord();
                if (rec.getInt(4) == 0) {
                    answer(rec);
                }
            }
            return answered.poll();
        } finally {
            socket.setSoTimeout(30_000);
        }
    }

    private void answer(ByteBuf rec) throws IOException {
        XdrDecoder d = new XdrDecoder(rec);
        int xid = d.readInt();
        d.readInt(); // CALL
        d.readInt(); // RPC version
        int program = d.readInt();
        int version = d.readInt();
        int procedure = d.readInt();
        int flavor = d.readInt();
        d.skipOpaque(400);
        d.readInt(); // verifier
        d.skipOpaque(400);
        IncomingCall call = new IncomingCall(xid, program, version, procedure, flavor, d);
        if (callHandler == null) {
            throw new AssertionError("the server called this client (program " + program + "), which takes no calls");
        }
        ByteBuf results = callHandler.answer(call);
        ByteBuf reply = Unpooled.buffer();
        reply.writeInt(xid).writeInt(1).writeInt(0).writeInt(AUTH_NONE).writeInt(0).writeInt(0);
        reply.writeBytes(results);
        sendRecord(reply);
        answered.add(call);
    }

    public ByteBuf readRecord() throws IOException {
        ByteBuf rec = Unpooled.buffer();
        boolean last = false;
        while (!last) {
            int mark = in.readInt();
            last = (mark & 0x80000000) != 0;
            byte[] frag = new byte[mark & 0x7fffffff];
            in.readFully(frag);
            rec.writeBytes(frag);
        }
        return rec;
    }

    /** Whether the server closed the connection (reads EOF within the timeout). */
    public boolean closedByServer(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        } finally {
            socket.setSoTimeout(30_000);
        }
    }

    public int nextXid() {
        return nextXid++;
    }

    static int pad(int n) {
        return (4 - (n & 3)) & 3;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
