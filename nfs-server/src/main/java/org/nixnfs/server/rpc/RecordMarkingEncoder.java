package org.nixnfs.server.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * Frames each {@link RpcRecord} as a single last fragment: a 4-byte record mark followed by
 * the record's parts, which may include {@link io.netty.channel.FileRegion}s sent with
 * sendfile. All parts of one record are written in this one call, so replies produced
 * concurrently on worker threads never interleave on the wire.
 *
 * <p>The mark goes into the room {@link XdrEncoder} leaves in front of a
 * reply's first buffer, so a reply of one buffer is one buffer on the wire. The parts before
 * the last are written with the void promise (a failure reaches the pipeline's error handler,
 * which closes the connection) and the last with the caller's: no promise combiner per reply.
 */
@ChannelHandler.Sharable
public final class RecordMarkingEncoder extends ChannelOutboundHandlerAdapter {
    private static final long MAX_FRAGMENT = 0x7fffffffL;
    private static final int LAST_FRAGMENT = 0x80000000;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof RpcRecord record)) {
            ctx.write(msg, promise);
            return;
        }
        List<Object> parts;
        long length;
        try {
            length = record.length();
            parts = record.takeParts();
        } finally {
            record.release();
        }
        if (length > MAX_FRAGMENT) {
            parts.forEach(ReferenceCountUtil::safeRelease);
            promise.setFailure(new IllegalStateException("RPC reply of " + length + " bytes does not fit one fragment"));
            return;
        }
        int mark = LAST_FRAGMENT | (int) length;
        if (!parts.isEmpty() && parts.get(0) instanceof ByteBuf first && first.readerIndex() >= XdrEncoder.HEADROOM) {
            first.readerIndex(first.readerIndex() - XdrEncoder.HEADROOM);
            first.setInt(first.readerIndex(), mark);
        } else {
            ctx.write(ctx.alloc().buffer(XdrEncoder.HEADROOM).writeInt(mark), ctx.voidPromise());
        }
        int last = parts.size() - 1;
        for (int i = 0; i < last; i++) {
            ctx.write(parts.get(i), ctx.voidPromise());
        }
        if (last >= 0) {
            ctx.write(parts.get(last), promise);
        } else {
            promise.trySuccess();
        }
    }
}
