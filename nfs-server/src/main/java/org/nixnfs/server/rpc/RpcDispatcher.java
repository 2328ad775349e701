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
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;
import org.nixnfs.server.xdr.XdrException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes complete RPC records, decodes the call header, checks credentials, and runs the call on
 * the worker pool; the reply goes back through {@link RecordMarkingEncoder}. Replies may leave
 * in a different order than calls arrived, which RPC allows (they are matched by xid).
 *
 * <p>Back-pressure: a connection with too many calls in flight, or whose peer does not read its
 * replies, stops being read until it drains, so one client can never pile up unbounded work.
 */
@ChannelHandler.Sharable
public final class RpcDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RpcDispatcher.class);
    private static final AttributeKey<AtomicInteger> IN_FLIGHT = AttributeKey.valueOf("nixnfs.inFlight");

    private final Map<Integer, RpcProgram> programs;
    private final Executor workers;
    private final int maxInFlightPerConnection;

    public RpcDispatcher(List<RpcProgram> programs, Executor workers, int maxInFlightPerConnection) {
        this.programs = programs.stream().collect(Collectors.toUnmodifiableMap(RpcProgram::number, Function.identity()));
        this.workers = workers;
        this.maxInFlightPerConnection = maxInFlightPerConnection;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(IN_FLIGHT).set(new AtomicInteger());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf record = (ByteBuf) msg;
        Channel ch = ctx.channel();
        AtomicInteger inFlight = ch.attr(IN_FLIGHT).get();
        if (inFlight.incrementAndGet() >= maxInFlightPerConnection) {
            ch.config().setAutoRead(false);
        }
        try {
            workers.execute(() -> {
                try {
                    RpcRecord reply = handle(ch, record);
                    if (reply != null) {
                        ch.writeAndFlush(reply, ch.voidPromise());
                    }
                } catch (Error e) {
                    // The call gets no reply: close the connection so the client retransmits on a
                    // new one instead of waiting for its own timeout.
                    log.error("{}: closing the connection after a fatal error", ch.remoteAddress(), e);
                    ch.close();
                } finally {
                    record.release();
                    if (inFlight.decrementAndGet() < maxInFlightPerConnection / 2 && ch.isWritable()) {
                        ch.config().setAutoRead(true);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            record.release();
            log.warn("{}: worker pool is shut down or saturated, closing the connection", ch.remoteAddress());
            ch.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        // A peer that does not read its replies must not make us buffer more of them.
        ch.config().setAutoRead(ch.isWritable() && ch.attr(IN_FLIGHT).get().get() < maxInFlightPerConnection);
        super.channelWritabilityChanged(ctx);
    }

    /** Decodes and runs one call; null when there is nothing to reply (not a call, or no xid). */
    RpcRecord handle(Channel ch, ByteBuf record) {
        XdrDecoder in = new XdrDecoder(record);
        if (in.remaining() < 8) {
            log.warn("{}: RPC record of {} bytes is too short to be a call, ignored", ch.remoteAddress(), in.remaining());
            return null;
        }
        int xid = in.readInt();
        int msgType = in.readInt();
        if (msgType != Rpc.CALL) {
            log.warn("{}: RPC message type {} (xid {}) is not a call, ignored", ch.remoteAddress(), msgType, xid);
            return null;
        }
        XdrEncoder out = new XdrEncoder(ch.alloc());
        try {
            writeReply(ch, xid, in, out);
            return new RpcRecord(out.finish());
        } finally {
            out.close();
        }
    }

    private void writeReply(Channel ch, int xid, XdrDecoder in, XdrEncoder out) {
        out.writeInt(xid).writeInt(Rpc.REPLY);
        long afterHeader = out.mark();
        RpcCall call;
        try {
            int rpcVersion = in.readInt();
            if (rpcVersion != Rpc.RPC_VERSION) {
                out.writeInt(Rpc.MSG_DENIED).writeInt(Rpc.RPC_MISMATCH).writeInt(Rpc.RPC_VERSION).writeInt(Rpc.RPC_VERSION);
                return;
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
                log.debug("{}: xid {} rejected: credential flavor {}", ch.remoteAddress(), xid, credFlavor);
                out.writeInt(Rpc.MSG_DENIED).writeInt(Rpc.AUTH_ERROR)
                        .writeInt(credFlavor == Credential.AUTH_SYS ? Rpc.AUTH_BADCRED : Rpc.AUTH_TOOWEAK);
                return;
            }
            call = new RpcCall(xid, program, version, procedure, cred, in, ch);
        } catch (XdrException e) {
            log.warn("{}: xid {}: malformed RPC call header: {}", ch.remoteAddress(), xid, e.getMessage());
            out.reset(afterHeader);
            acceptedHeader(out, Rpc.GARBAGE_ARGS);
            return;
        }
        RpcProgram program = programs.get(call.program());
        if (program == null) {
            acceptedHeader(out, Rpc.PROG_UNAVAIL);
            return;
        }
        if (call.version() < program.lowVersion() || call.version() > program.highVersion()) {
            acceptedHeader(out, Rpc.PROG_MISMATCH).writeInt(program.lowVersion()).writeInt(program.highVersion());
            return;
        }
        acceptedHeader(out, Rpc.SUCCESS);
        try {
            program.call(call, out);
        } catch (RpcException e) {
            log.debug("{}: xid {}: {}", ch.remoteAddress(), xid, e.getMessage());
            out.reset(afterHeader);
            acceptedHeader(out, e.acceptStat());
        } catch (XdrException e) {
            log.warn("{}: xid {}: undecodable arguments: {}", ch.remoteAddress(), xid, e.getMessage());
            out.reset(afterHeader);
            acceptedHeader(out, Rpc.GARBAGE_ARGS);
        } catch (RuntimeException e) {
            log.error("{}: xid {}: internal error in program {} procedure {}", ch.remoteAddress(), xid,
                    call.program(), call.procedure(), e);
            out.reset(afterHeader);
            acceptedHeader(out, Rpc.SYSTEM_ERR);
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
