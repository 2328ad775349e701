package org.nixnfs.server.rpc;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Frames each {@link RpcRecord} as a single last fragment: a 4-byte record mark followed by
 * the record's parts, which may include {@link io.netty.channel.FileRegion}s sent with
 * sendfile. All parts of one record are written together, so replies produced concurrently on
 * worker threads never interleave on the wire.
 */
@ChannelHandler.Sharable
public final class RecordMarkingEncoder extends MessageToMessageEncoder<RpcRecord> {
    private static final long MAX_FRAGMENT = 0x7fffffffL;

    @Override
    protected void encode(ChannelHandlerContext ctx, RpcRecord msg, List<Object> out) {
        long length = msg.length();
        if (length > MAX_FRAGMENT) {
            throw new IllegalStateException("RPC reply of " + length + " bytes does not fit one fragment");
        }
        out.add(ctx.alloc().buffer(4).writeInt((int) (0x80000000L | length)));
        out.addAll(msg.takeParts());
    }
}
