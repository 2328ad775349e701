package org.nixnfs.server.nfs4;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.rpc.RecordMarkingDecoder;
import org.nixnfs.server.rpc.RecordMarkingEncoder;
import org.nixnfs.server.rpc.ReverseCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NFSv4.0 callback connections (RFC 7530 section 3.1 and 17): a TCP connection from the server
 * to the address the client gave in SETCLIENTID (checked to be the client's own IP), probed with
 * CB_NULL; only then does the client get delegations. Everything is asynchronous (a connect
 * timeout, a call timeout, never a blocking wait on an event loop), and at most
 * {@link #MAX_CONNECTING} connections are being made at once: a client that points its callback
 * at a port that never answers costs one of those for the connect timeout, no more, and others
 * beyond the limit simply get no callback path (no delegations) until they try again.
 *
 * <p>A connection lost after the probe is made again once; if that fails, the path is down (no
 * new delegations, RENEW says NFS4ERR_CB_PATH_DOWN while the client holds some). A recall makes
 * it again too, on each of its tries.
 */
public final class CallbackConnector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallbackConnector.class);
    static final int MAX_CONNECTING = 16;
    static final int CB_NULL = 0;
    private static final int MAX_RECORD = 64 * 1024;
    public static final Duration RECONNECT_INTERVAL = Duration.ofSeconds(5);

    private final ReverseCalls calls = new ReverseCalls();
    private final Duration callTimeout;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Bootstrap bootstrap;
    private final Semaphore connecting = new Semaphore(MAX_CONNECTING);
    private volatile boolean closed;

    public CallbackConnector(Duration connectTimeout, Duration callTimeout) {
        this.callTimeout = callTimeout;
        RecordMarkingEncoder encoder = new RecordMarkingEncoder();
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new RecordMarkingDecoder(MAX_RECORD), encoder, calls, new DropCalls());
                    }
                });
    }

    /** Calls the client makes to us on its callback connection: none are defined, so they are dropped. */
    private static final class DropCalls extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Reverse calls on callback connections (CB_COMPOUND goes through it). */
    ReverseCalls calls() {
        return calls;
    }

    Duration callTimeout() {
        return callTimeout;
    }

    /**
     * After SETCLIENTID_CONFIRM: connects and sends CB_NULL, in the background. Completes with
     * whether the path is up; the callback's status says so too.
     */
    public CompletableFuture<Boolean> probe(String client, ClientCallback cb) {
        return connection(cb).handle((ch, failure) -> {
            if (failure != null) {
                log.info("no callback path to 4.0 client {} at {}: {}; it gets no delegations", client, cb.target(),
                        failure.getCause() != null ? failure.getCause().toString() : failure.toString());
                return false;
            }
            log.debug("callback path to 4.0 client {} at {} is up", client, cb.target());
            return true;
        });
    }

    /** The callback's live connection, or a new one that answered CB_NULL; fails (and marks the path down) if none. */
    CompletableFuture<Channel> connection(ClientCallback cb) {
        Channel live = cb.connection();
        if (live != null) {
            return CompletableFuture.completedFuture(live);
        }
        CompletableFuture<Channel> result = connect(cb);
        result.whenComplete((ch, failure) -> {
            if (failure != null) {
                cb.down();
            } else {
                cb.connected(ch);
                ch.closeFuture().addListener(f -> lost(cb));
            }
        });
        return result;
    }

    /**
     * The connection closed: make it again once; the path is down if that fails. A connection
     * lost within {@link #RECONNECT_INTERVAL} of being made is not made again at once (a client
     * that keeps closing it would have the server reconnect in a loop): the path is down, and the
     * next recall tries again, as often as its backoff allows.
     */
    private void lost(ClientCallback cb) {
        if (closed || cb.closed() || cb.connection() != null) {
            return;
        }
        if (System.nanoTime() - cb.connectedAtNanos() < RECONNECT_INTERVAL.toNanos()) {
            cb.down();
            log.info("the callback connection to {} closed soon after it was made: path down", cb.target());
            return;
        }
        connection(cb).exceptionally(e -> {
            log.info("lost the callback connection to {} and could not make it again: {}", cb.target(), e.toString());
            return null;
        });
    }

    private CompletableFuture<Channel> connect(ClientCallback cb) {
        if (cb.target() == null || cb.closed() || closed) {
            return CompletableFuture.failedFuture(new IOException("no usable callback address"));
        }
        if (!connecting.tryAcquire()) {
            return CompletableFuture.failedFuture(new IOException("too many callback connections being made"));
        }
        CompletableFuture<Channel> result = new CompletableFuture<>();
        result.whenComplete((ch, failure) -> connecting.release());
        ChannelFuture f;
        try {
            f = bootstrap.connect(cb.target());
        } catch (RuntimeException e) { // the group is shutting down
            result.completeExceptionally(e);
            return result;
        }
        f.addListener(done -> {
            if (!done.isSuccess()) {
                result.completeExceptionally(new IOException("connecting failed", done.cause()));
                return;
            }
            Channel ch = f.channel();
            // Netty completes the connect before the pipeline hears channelActive, which readies
            // ReverseCalls: call from a task queued behind it.
            ch.eventLoop().execute(() -> calls.call(ch, cb.program(), CallbackClient.CB_VERSION, CB_NULL,
                            CallbackClient.credential(cb.security()), args -> { })
                    .orTimeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((reply, failure) -> {
                        if (failure != null) {
                            ch.close();
                            result.completeExceptionally(failure);
                        } else {
                            reply.release();
                            result.complete(ch);
                        }
                    }));
        });
        return result;
    }

    @Override
    public void close() {
        closed = true;
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
