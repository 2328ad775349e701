package org.nixnfs.server.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import org.nixnfs.server.rpc.ThrottledWarnings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in the pipeline: whatever went wrong with one connection (a malformed record, a reset) is
 * logged once (a protocol error at most once per 10 s for all connections) and that connection
 * alone is closed.
 */
@ChannelHandler.Sharable
public final class ErrorHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);
    /** A client can open connections only to break the protocol on each: one line per 10 s. */
    private final ThrottledWarnings protocolErrors = new ThrottledWarnings(log, "connections closed for protocol errors");

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Object peer = ctx.channel().remoteAddress();
        if (cause instanceof DecoderException) {
            protocolErrors.warn("{}: closing connection: {}", peer,
                    cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage());
        } else if (cause instanceof IOException) {
            log.debug("{}: connection error: {}", peer, cause.toString());
        } else {
            log.error("{}: closing connection after an unexpected error", peer, cause);
        }
        ctx.close();
    }
}
