package org.nixnfs.server.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.rpc.RecordMarkingDecoder;
import org.nixnfs.server.rpc.RecordMarkingEncoder;
import org.nixnfs.server.rpc.ReverseCalls;
import org.nixnfs.server.rpc.RpcDispatcher;

/**
 * The TCP listener. A connection the {@link ClientGate} refuses is closed as it is accepted, before
 * it is registered or has a pipeline; the others get this pipeline, in order:
 * connection limit → watchdog (closes stalled, idle and not-reading connections) → record marking decode →
 * record marking encode → replies to our backchannel calls ({@link ReverseCalls}) → RPC dispatch (on the event
 * loop, then the worker pool) → error handling.
 *
 * <p>NIO, not epoll: Netty's NIO transport hands a {@link io.netty.channel.FileRegion} to
 * {@code FileChannel.transferTo} on the socket itself, which is sendfile(2), for our shared
 * open files as well as its own regions.
 */
public final class NfsServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final Channel channel;
    private final ConnectionLimiter limiter;

    /** Limits per connection and for the listener. */
    public record Options(int ioThreads, int maxRecordSize, int maxConnections, Duration replyTimeout,
                          Duration stalledRecordTimeout, Duration idleTimeout) {
    }

    /** @param gate admits or refuses each accepted connection before its pipeline is built */
    public NfsServer(InetSocketAddress listen, RpcDispatcher dispatcher, ClientGate gate, Options options)
            throws InterruptedException {
        this(listen, dispatcher, new ReverseCalls(), gate, options);
    }

    /** @param reverseCalls sends backchannel calls on these connections and takes their replies */
    public NfsServer(InetSocketAddress listen, RpcDispatcher dispatcher, ReverseCalls reverseCalls, ClientGate gate,
                     Options options) throws InterruptedException {
        this.limiter = new ConnectionLimiter(options.maxConnections());
        RecordMarkingEncoder encoder = new RecordMarkingEncoder();
        ErrorHandler errors = new ErrorHandler();
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        io = new MultiThreadIoEventLoopGroup(options.ioThreads(), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(gate)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 16 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RecordMarkingDecoder decoder = new RecordMarkingDecoder(options.maxRecordSize());
                        ch.pipeline().addLast("limit", limiter)
                                .addLast("watchdog", new ConnectionWatchdog(options.stalledRecordTimeout(),
                                        options.replyTimeout(), options.idleTimeout(), decoder::holdsPartialRecord,
                                        () -> RpcDispatcher.callsInFlight(ch)))
                                .addLast("record-decoder", decoder)
                                .addLast("record-encoder", encoder)
                                .addLast("reverse-calls", reverseCalls)
                                .addLast("rpc", dispatcher)
                                .addLast("errors", errors);
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

    public int openConnections() {
        return limiter.openConnections();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
