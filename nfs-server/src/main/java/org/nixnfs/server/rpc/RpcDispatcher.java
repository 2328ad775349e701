package org.nixnfs.server.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;
import org.nixnfs.server.xdr.XdrException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes complete RPC records, decodes the call header, checks credentials, and runs the call.
 *
 * <p>A call starts on the event loop, where whatever needs no disk (cache hits, client state)
 * runs without a thread hand-off; as soon as the program meets work that may wait for the disk
 * it returns the rest as a {@link Deferred}, which the worker pool finishes. Replies may leave in
 * a different order than calls arrived, which RPC allows (they are matched by xid).
 *
 * <p>Back-pressure: a connection with too many calls or too many request bytes in flight, or
 * whose peer does not read its replies, stops being read until it drains, so one client can never
 * pile up unbounded work. The request buffers one connection holds are thus bounded by the bytes
 * limit plus one record (what crossed it) plus what one socket read brought in with it.
 */
@ChannelHandler.Sharable
public final class RpcDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RpcDispatcher.class);
    /** What a client sent that is no RPC call: the server's answer is right, the line is for the operator. */
    private final ThrottledWarnings malformed = new ThrottledWarnings(log, "malformed calls");
    private static final AttributeKey<InFlight> IN_FLIGHT = AttributeKey.valueOf("nixnfs.inFlight");
    private static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.valueOf("nixnfs.clientAddress");

    private final Map<Integer, RpcProgram> programs;
    private final Executor workers;
    private final int maxInFlightPerConnection;
    private final long maxInFlightBytesPerConnection;

    /** Calls of one connection being worked on, and the bytes of their requests. */
    private static final class InFlight {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
    }

    public RpcDispatcher(List<RpcProgram> programs, Executor workers, int maxInFlightPerConnection) {
        this(programs, workers, maxInFlightPerConnection, Long.MAX_VALUE);
    }

    /**
     * @param maxInFlightPerConnection      calls of one connection in flight before it stops being read
     * @param maxInFlightBytesPerConnection request bytes of one connection in flight before it stops being read
     */
    public RpcDispatcher(List<RpcProgram> programs, Executor workers, int maxInFlightPerConnection,
                         long maxInFlightBytesPerConnection) {
        this.programs = programs.stream().collect(Collectors.toUnmodifiableMap(RpcProgram::number, Function.identity()));
        this.workers = workers;
        this.maxInFlightPerConnection = maxInFlightPerConnection;
        this.maxInFlightBytesPerConnection = maxInFlightBytesPerConnection;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(IN_FLIGHT).set(new InFlight());
        ctx.channel().attr(CLIENT_ADDRESS).set(RpcCall.addressOf(ctx.channel()));
        super.channelActive(ctx);
    }

    /** Calls of this connection not answered yet (0 for a connection that is not ours). */
    public static int callsInFlight(Channel ch) {
        InFlight f = ch.attr(IN_FLIGHT).get();
        return f == null ? 0 : f.calls.get();
    }

    private boolean full(InFlight f) {
        return f.calls.get() >= maxInFlightPerConnection || f.bytes.get() >= maxInFlightBytesPerConnection;
    }

    /** Reading resumes only once well below the limits, so that it does not flap on and off per call. */
    private boolean drained(InFlight f) {
        return f.calls.get() < maxInFlightPerConnection / 2 && f.bytes.get() < maxInFlightBytesPerConnection / 2;
    }

    /** One call on its way: the record it came in, and the reply being written. */
    private final class Call {
        final Channel ch;
        final ByteBuf record;
        final InFlight inFlight;
        final int size;
        XdrEncoder out;
        int xid;
        long afterHeader;

        Call(Channel ch, ByteBuf record) {
            this.ch = ch;
            this.record = record;
            this.inFlight = ch.attr(IN_FLIGHT).get();
            this.size = record.readableBytes();
        }

        /** Sends the reply (if any) and lets go of the call's buffers. */
        void done(boolean reply) {
            try {
                if (reply) {
                    ch.writeAndFlush(new RpcRecord(out.finish()), ch.voidPromise());
                }
            } finally {
                if (out != null) {
                    out.close();
                }
                record.release();
                inFlight.calls.decrementAndGet();
                inFlight.bytes.addAndGet(-size);
                if (drained(inFlight) && !ch.config().isAutoRead() && ch.isWritable()) {
                    ch.config().setAutoRead(true); // an atomic swap: only when it was off
                }
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Call call = new Call(ctx.channel(), (ByteBuf) msg);
        call.inFlight.calls.incrementAndGet();
        call.inFlight.bytes.addAndGet(call.size);
        if (full(call.inFlight)) {
            call.ch.config().setAutoRead(false);
        }
        Deferred rest;
        try {
            rest = start(call);
        } catch (Error e) {
            fatal(call, e);
            return;
        }
        if (rest == null) {
            call.done(call.out != null);
            return;
        }
        try {
            workers.execute(() -> {
                try {
                    run(call, rest);
                    call.done(true);
                } catch (Error e) {
                    fatal(call, e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("{}: worker pool is shut down or saturated, closing the connection", call.ch.remoteAddress());
            call.done(false);
            call.ch.close();
        }
    }

    /** The call gets no reply: close the connection so the client retransmits on a new one. */
    private static void fatal(Call call, Error e) {
        log.error("{}: closing the connection after a fatal error", call.ch.remoteAddress(), e);
        call.done(false);
        call.ch.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        // A peer that does not read its replies must not make us buffer more of them.
        InFlight f = ch.attr(IN_FLIGHT).get();
        ch.config().setAutoRead(ch.isWritable() && (f == null || !full(f)));
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Decodes the call and runs it as far as it runs without the disk. Leaves {@code call.out}
     * null when there is nothing to reply (not a call, or no xid); returns the rest, if any.
     */
    private Deferred start(Call c) {
        XdrDecoder in = new XdrDecoder(c.record);
        if (in.remaining() < 8) {
            malformed.warn("{}: RPC record of {} bytes is too short to be a call, ignored", c.ch.remoteAddress(), in.remaining());
            return null;
        }
        c.xid = in.readInt();
        int msgType = in.readInt();
        if (msgType != Rpc.CALL) {
            malformed.warn("{}: RPC message type {} (xid {}) is not a call, ignored", c.ch.remoteAddress(), msgType, c.xid);
            return null;
        }
        c.out = new XdrEncoder(c.ch.alloc());
        c.out.writeInt(c.xid).writeInt(Rpc.REPLY);
        c.afterHeader = c.out.mark();
        RpcCall call;
        try {
            int rpcVersion = in.readInt();
            if (rpcVersion != Rpc.RPC_VERSION) {
                c.out.writeInt(Rpc.MSG_DENIED).writeInt(Rpc.RPC_MISMATCH).writeInt(Rpc.RPC_VERSION).writeInt(Rpc.RPC_VERSION);
                return null;
            }
            int program = in.readInt();
            int version = in.readInt();
            int procedure = in.readInt();
            int credFlavor = in.readInt();
            byte[] credBody = in.readOpaque(Rpc.MAX_AUTH_BYTES);
            in.readInt(); // verifier flavor: AUTH_NONE/AUTH_SYS carry no verifier we check
            in.skipOpaque(Rpc.MAX_AUTH_BYTES);
            Credential cred = credential(credFlavor, credBody);
            if (cred == null) {
                log.debug("{}: xid {} rejected: credential flavor {}", c.ch.remoteAddress(), c.xid, credFlavor);
                c.out.writeInt(Rpc.MSG_DENIED).writeInt(Rpc.AUTH_ERROR)
                        .writeInt(credFlavor == Credential.AUTH_SYS ? Rpc.AUTH_BADCRED : Rpc.AUTH_TOOWEAK);
                return null;
            }
            call = new RpcCall(c.xid, program, version, procedure, cred, in, c.ch, c.ch.attr(CLIENT_ADDRESS).get());
        } catch (XdrException e) {
            malformed.warn("{}: xid {}: malformed RPC call header: {}", c.ch.remoteAddress(), c.xid, e.getMessage());
            c.out.reset(c.afterHeader);
            acceptedHeader(c.out, Rpc.GARBAGE_ARGS);
            return null;
        }
        RpcProgram program = programs.get(call.program());
        if (program == null) {
            acceptedHeader(c.out, Rpc.PROG_UNAVAIL);
            return null;
        }
        if (call.version() < program.lowVersion() || call.version() > program.highVersion()) {
            acceptedHeader(c.out, Rpc.PROG_MISMATCH).writeInt(program.lowVersion()).writeInt(program.highVersion());
            return null;
        }
        acceptedHeader(c.out, Rpc.SUCCESS);
        Deferred[] rest = new Deferred[1];
        run(c, () -> rest[0] = program.call(call, c.out, true));
        return rest[0];
    }

    /** Runs a step of the program, turning its failures into the RPC-level error they mean. */
    private void run(Call c, Deferred step) {
        try {
            step.finish();
        } catch (RpcException e) {
            log.debug("{}: xid {}: {}", c.ch.remoteAddress(), c.xid, e.getMessage());
            c.out.reset(c.afterHeader);
            acceptedHeader(c.out, e.acceptStat());
        } catch (XdrException e) {
            malformed.warn("{}: xid {}: undecodable arguments: {}", c.ch.remoteAddress(), c.xid, e.getMessage());
            c.out.reset(c.afterHeader);
            acceptedHeader(c.out, Rpc.GARBAGE_ARGS);
        } catch (RuntimeException e) {
            log.error("{}: xid {}: internal error", c.ch.remoteAddress(), c.xid, e);
            c.out.reset(c.afterHeader);
            acceptedHeader(c.out, Rpc.SYSTEM_ERR);
        }
    }

    private static XdrEncoder acceptedHeader(XdrEncoder out, int acceptStat) {
        return out.writeInt(Rpc.MSG_ACCEPTED).writeInt(Credential.AUTH_NONE).writeInt(0).writeInt(acceptStat);
    }

    private static Credential credential(int flavor, byte[] body) {
        try {
            return switch (flavor) {
                case Credential.AUTH_NONE -> Credential.none();
                case Credential.AUTH_SYS -> Credential.authSys(body);
                default -> null;
            };
        } catch (XdrException e) {
            return null;
        }
    }
}
