package org.nixnfs.server.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import org.nixnfs.server.rpc.ThrottledWarnings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes connections beyond a limit, so a flood of connections cannot exhaust the server. */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private final ThrottledWarnings refusals = new ThrottledWarnings(log, "refusals");
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionLimiter(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > maxConnections) {
            refusals.warn("{}: refused, {} connections are open already", ctx.channel().remoteAddress(), maxConnections);
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    public int openConnections() {
        return Math.min(open.get(), maxConnections);
    }
}
