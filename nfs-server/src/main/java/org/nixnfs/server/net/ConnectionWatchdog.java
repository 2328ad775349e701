package org.nixnfs.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.nixnfs.server.rpc.ThrottledWarnings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections that hold resources for nothing:
 * <ul>
 *   <li>one that sent part of a record and then nothing for {@code stalledRecord} (its half record
 *       is buffered meanwhile);
 *   <li>one whose client has not taken any of its pending replies for {@code replyTimeout} (they
 *       are buffered meanwhile);
 *   <li>one with no call in flight that has been silent both ways for {@code idle} (as knfsd closes
 *       idle connections after 6 minutes; a client with a mount renews its lease well within that,
 *       and reconnects if it needs to).
 * </ul>
 * A connection we stopped reading ourselves (back-pressure) is never taken for a stalled one.
 *
 * <p>Nothing per request but two counters: no clock read, no timer and no promise per call (Netty's
 * idle and write-timeout handlers add a listener to every write, and the latter a timer too, a
 * measurable part of a cached GETATTR's CPU). A check every quarter of the shortest timeout, on the
 * connection's event loop, compares the counters with the last check's; a connection is closed
 * at most that quarter after its timeout.
 */
public final class ConnectionWatchdog extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ConnectionWatchdog.class);
    /** For all connections: a client can open many only to stall them. */
    private static final ThrottledWarnings stalled = new ThrottledWarnings(log, "stalled connections closed");
    private static final ThrottledWarnings notReading = new ThrottledWarnings(log, "connections closed for unread replies");

    private final long stalledRecordNanos;
    private final long replyTimeoutNanos;
    private final long idleNanos;
    private final long periodNanos;
    private final BooleanSupplier holdsPartialRecord;
    private final IntSupplier callsInFlight;

    /** Updated on every read and every write; compared by the check. */
    private long reads;
    private long bytesQueued;
    /** What the last check saw, and when it last saw each of them change. */
    private long seenReads = -1;
    private long seenWritten = -1;
    private long lastReadNanos;
    private long lastWriteNanos;
    private Future<?> check;

    /**
     * @param holdsPartialRecord whether part of a record has arrived and the rest has not
     * @param callsInFlight      calls of this connection not answered yet
     */
    public ConnectionWatchdog(Duration stalledRecord, Duration replyTimeout, Duration idle,
                              BooleanSupplier holdsPartialRecord, IntSupplier callsInFlight) {
        this.stalledRecordNanos = stalledRecord.toNanos();
        this.replyTimeoutNanos = replyTimeout.toNanos();
        this.idleNanos = idle.toNanos();
        long shortest = Math.min(stalledRecordNanos, Math.min(replyTimeoutNanos, idleNanos));
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), shortest / 4);
        this.holdsPartialRecord = holdsPartialRecord;
        this.callsInFlight = callsInFlight;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reads++;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b) {
            bytesQueued += b.readableBytes();
        } else if (msg instanceof FileRegion r) {
            bytesQueued += r.count();
        }
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        lastReadNanos = now;
        lastWriteNanos = now;
        check = ctx.executor().scheduleAtFixedRate(() -> check(ctx), periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (check != null) {
            check.cancel(false);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            stop();
            return;
        }
        long now = ctx.executor().ticker().nanoTime(); // the event loop's clock, which tests can move
        if (reads != seenReads) {
            seenReads = reads;
            lastReadNanos = now;
        }
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes() - out.currentProgress();
        long written = bytesQueued - pending;
        if (written != seenWritten) {
            seenWritten = written;
            lastWriteNanos = now;
        }
        boolean ourPause = !ctx.channel().config().isAutoRead();
        if (pending > 0 && now - lastWriteNanos >= replyTimeoutNanos) {
            notReading.warn("{}: closing connection: the client did not take its replies for {} s",
                    ctx.channel().remoteAddress(), TimeUnit.NANOSECONDS.toSeconds(replyTimeoutNanos));
            ctx.close();
        } else if (!ourPause && now - lastReadNanos >= stalledRecordNanos && holdsPartialRecord.getAsBoolean()) {
            stalled.warn("{}: closing connection: it sent part of a record and then nothing", ctx.channel().remoteAddress());
            ctx.close();
        } else if (!ourPause && pending == 0 && now - Math.max(lastReadNanos, lastWriteNanos) >= idleNanos
                && callsInFlight.getAsInt() == 0) {
            log.debug("{}: closing idle connection", ctx.channel().remoteAddress());
            ctx.close();
        }
    }
}
