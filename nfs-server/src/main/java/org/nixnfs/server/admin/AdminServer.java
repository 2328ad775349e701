package org.nixnfs.server.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP admin listener: metrics, health, and the JSON API the CLI uses. It has its own event
 * loop and runs requests on its own threads (one for GC, which may take minutes, one for the
 * rest, so that scrapes and health checks never wait for a GC run), so nothing here can slow NFS
 * serving down. Bodies over 64 KiB are refused (413) before they are buffered, undecodable
 * requests are 400, and a connection that sits idle or half-sent for the idle timeout is closed
 * (one waiting for its answer is not).
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    public static final int MAX_BODY = 64 * 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final EventLoopGroup group;
    private final ExecutorService api;
    private final ExecutorService gcApi;
    private final Channel channel;

    public AdminServer(InetSocketAddress listen, AdminApi handler) throws InterruptedException {
        this(listen, handler, DEFAULT_IDLE_TIMEOUT);
    }

    /** @param idleTimeout how long a connection may sit idle, or half-way through a request, before it is closed */
    public AdminServer(InetSocketAddress listen, AdminApi handler, Duration idleTimeout) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        api = Executors.newSingleThreadExecutor(daemon("admin-api"));
        gcApi = Executors.newSingleThreadExecutor(daemon("admin-gc"));
        long idleMillis = idleTimeout.toMillis();
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS),
                                new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(MAX_BODY), new Handler(handler));
                    }
                });
        try {
            channel = b.bind(listen).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AdminApi handler;
        /** Requests of this connection not answered yet (only touched on the event loop). */
        private int pending;
        /** The last answer queued: answers go out in request order (HTTP/1.1 pipelining). */
        private CompletableFuture<Void> lastSent = CompletableFuture.completedFuture(null);

        Handler(AdminApi handler) {
            this.handler = handler;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (req.decoderResult().isFailure()) {
                Throwable cause = req.decoderResult().cause();
                int status = cause instanceof TooLongFrameException ? 431 : 400;
                answer(ctx, CompletableFuture.completedFuture(HttpResult.text(status, "bad request: " + cause.getMessage())),
                        false);
                return;
            }
            if (req.protocolVersion().majorVersion() != 1) {
                answer(ctx, CompletableFuture.completedFuture(
                        HttpResult.text(505, "HTTP version not supported: " + req.protocolVersion())), false);
                return;
            }
            String method = req.method().name();
            String uri = req.uri();
            byte[] body = new byte[req.content().readableBytes()];
            req.content().readBytes(body);
            String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            ExecutorService executor = uri.startsWith("/api/v1/gc/") ? gcApi : api;
            CompletableFuture<HttpResult> result;
            try {
                result = CompletableFuture.supplyAsync(() -> {
                    try {
                        return handler.handle(method, uri, authorization, body);
                    } catch (RuntimeException e) {
                        log.error("admin {} {} failed", method, uri, e);
                        return HttpResult.text(500, "internal error: " + e);
                    }
                }, executor);
            } catch (RejectedExecutionException e) {
                result = CompletableFuture.completedFuture(HttpResult.text(503, "shutting down"));
                keepAlive = false;
            }
            answer(ctx, result, keepAlive);
        }

        private void answer(ChannelHandlerContext ctx, CompletableFuture<HttpResult> result, boolean keepAlive) {
            pending++;
            lastSent = lastSent.thenCombine(result, (previous, r) -> r).thenAcceptAsync(r -> {
                pending--;
                send(ctx, r, keepAlive);
            }, ctx.executor());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent && pending == 0) {
                log.debug("closing idle admin connection from {}", ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("admin connection error: {}", cause.toString());
            ctx.close();
        }
    }

    private static void send(ChannelHandlerContext ctx, HttpResult r, boolean keepAlive) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        if (r.allow() != null) {
            resp.headers().set(HttpHeaderNames.ALLOW, r.allow());
        }
        if (r.status() == 401) {
            resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"nixnfs\"");
        }
        HttpUtil.setContentLength(resp, r.body().length);
        HttpUtil.setKeepAlive(resp, keepAlive);
        var f = ctx.writeAndFlush(resp);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        api.shutdownNow();
        gcApi.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
