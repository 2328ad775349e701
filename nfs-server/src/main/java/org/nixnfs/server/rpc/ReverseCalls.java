package org.nixnfs.server.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RPC calls from the server to the client over the client's own connection (the NFSv4.1
 * backchannel, RFC 8881 section 2.10.3.1), and the demultiplexing of their replies: on a
 * connection that carries a backchannel both peers send calls, so a record whose message type is
 * REPLY answers one of ours. This handler sits in front of {@link RpcDispatcher}: it takes the
 * replies whose xid it is waiting for and passes every other record on.
 *
 * <p>A call fails (exceptionally) when the connection closes before its reply arrives; the
 * caller bounds how long it waits.
 */
@ChannelHandler.Sharable
public final class ReverseCalls extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ReverseCalls.class);
    private static final AttributeKey<Map<Integer, CompletableFuture<ByteBuf>>> PENDING =
            AttributeKey.valueOf("nixnfs.reverseCalls");
    /** Our xids live in the reverse direction's own space; a random start only keeps logs unambiguous. */
    private final AtomicInteger nextXid = new AtomicInteger(new SecureRandom().nextInt());

    /** A reverse call the client denied or did not accept. */
    public static final class RejectedException extends IOException {
        public RejectedException(String message) {
            super(message);
        }
    }

    /**
     * Sends a call on {@code ch}; the future completes with the procedure's results (the caller
     * releases the buffer), or exceptionally if the call is denied, fails at the RPC level, or the
     * connection closes first.
     *
     * @param credential writes the credential (flavor and body) the call carries
     * @param args       writes the procedure's arguments
     */
    public CompletableFuture<ByteBuf> call(Channel ch, int program, int version, int procedure,
                                           Consumer<XdrEncoder> credential, Consumer<XdrEncoder> args) {
        CompletableFuture<ByteBuf> reply = new CompletableFuture<>();
        Map<Integer, CompletableFuture<ByteBuf>> pending = pending(ch);
        if (pending == null || !ch.isActive()) {
            reply.completeExceptionally(new IOException("the connection is closed"));
            return reply;
        }
        int xid = nextXid.getAndIncrement();
        pending.put(xid, reply);
        // A caller that stops waiting (a timeout) completes the future: forget the call then, and
        // drop its reply should it come after all.
        reply.whenComplete((r, e) -> pending.remove(xid, reply));
        XdrEncoder out = new XdrEncoder(ch.alloc());
        try {
            out.writeInt(xid).writeInt(Rpc.CALL).writeInt(Rpc.RPC_VERSION).writeInt(program).writeInt(version)
                    .writeInt(procedure);
            credential.accept(out);
            out.writeInt(Credential.AUTH_NONE).writeInt(0); // verifier
            args.accept(out);
            ch.writeAndFlush(new RpcRecord(out.finish())).addListener(f -> {
                if (!f.isSuccess() && pending.remove(xid) != null) {
                    reply.completeExceptionally(new IOException("sending the call failed", f.cause()));
                }
            });
        } finally {
            out.close();
        }
        return reply;
    }

    private static Map<Integer, CompletableFuture<ByteBuf>> pending(Channel ch) {
        return ch.attr(PENDING).get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(PENDING).set(new ConcurrentHashMap<>());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Map<Integer, CompletableFuture<ByteBuf>> pending = pending(ctx.channel());
        if (pending != null) {
            for (Integer xid : pending.keySet()) {
                CompletableFuture<ByteBuf> f = pending.remove(xid);
                if (f != null) {
                    f.completeExceptionally(new IOException("the connection closed before the reply"));
                }
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf record = (ByteBuf) msg;
        if (record.readableBytes() < 8 || record.getInt(record.readerIndex() + 4) != Rpc.REPLY) {
            ctx.fireChannelRead(msg);
            return;
        }
        int xid = record.getInt(record.readerIndex());
        Map<Integer, CompletableFuture<ByteBuf>> pending = pending(ctx.channel());
        CompletableFuture<ByteBuf> f = pending == null ? null : pending.remove(xid);
        if (f == null) {
            log.debug("{}: reply with xid {} answers no call of ours, ignored", ctx.channel().remoteAddress(), xid);
            record.release();
            return;
        }
        try {
            XdrDecoder in = new XdrDecoder(record);
            in.readInt();
            in.readInt();
            if (in.readInt() != Rpc.MSG_ACCEPTED) {
                throw new RejectedException("the call was denied");
            }
            in.readInt(); // verifier flavor
            in.skipOpaque(Rpc.MAX_AUTH_BYTES);
            int acceptStat = in.readInt();
            if (acceptStat != Rpc.SUCCESS) {
                throw new RejectedException("the call was not accepted: accept_stat " + acceptStat);
            }
            f.complete(record); // positioned at the results; the caller releases it
        } catch (RejectedException | RuntimeException e) {
            record.release();
            f.completeExceptionally(e);
        }
    }
}
