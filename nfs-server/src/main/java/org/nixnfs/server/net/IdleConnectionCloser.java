package org.nixnfs.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.rpc.RecordMarkingDecoder;
import org.nixnfs.server.rpc.RpcDispatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections that hold resources for nothing: one that sent part of a record and then
 * nothing for {@code stalledRecordTimeout} (its half record is buffered meanwhile), and one with
 * no call in flight that has been silent both ways for {@code idleTimeout} (as knfsd closes idle
 * connections after 6 minutes; a client with a mount renews its lease well within that, and
 * reconnects if it needs to). A connection we stopped reading ourselves (back-pressure) is never
 * taken for a stalled one.
 */
public final class IdleConnectionCloser extends IdleStateHandler {
    private static final Logger log = LoggerFactory.getLogger(IdleConnectionCloser.class);
    private final RecordMarkingDecoder decoder;

    public IdleConnectionCloser(RecordMarkingDecoder decoder, Duration stalledRecordTimeout, Duration idleTimeout) {
        super(stalledRecordTimeout.toMillis(), 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        this.decoder = decoder;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        boolean ourPause = !ctx.channel().config().isAutoRead();
        if (evt.state() == IdleState.READER_IDLE && decoder.holdsPartialRecord() && !ourPause) {
            log.warn("{}: closing connection: it sent part of a record and then nothing", ctx.channel().remoteAddress());
            ctx.close();
        } else if (evt.state() == IdleState.ALL_IDLE && RpcDispatcher.callsInFlight(ctx.channel()) == 0 && !ourPause) {
            log.debug("{}: closing idle connection", ctx.channel().remoteAddress());
            ctx.close();
        }
    }
}
