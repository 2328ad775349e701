package org.nixnfs.server.rpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * ONC RPC record marking over TCP (RFC 5531 section 11): each record is one or more fragments,
 * each preceded by a 4-byte header whose top bit marks the last fragment and whose other 31
 * bits give the fragment's length. Emits one {@link ByteBuf} per complete record.
 *
 * <p>A record larger than {@code maxRecordSize} is a protocol violation: the peer gets a
 * {@link TooLongFrameException} (logged by the pipeline's exception handler, which closes the
 * connection) before we buffer it, so an absurd length field can never exhaust memory.
 */
public final class RecordMarkingDecoder extends ByteToMessageDecoder {
    private static final int LAST_FRAGMENT = 0x80000000;
    private static final int MAX_FRAGMENTS = 1024;
    private final int maxRecordSize;
    private CompositeByteBuf record;
    private int fragments;
    /** Set once the stream broke the protocol: nothing after that can be framed, so it is dropped. */
    private boolean broken;

    public RecordMarkingDecoder(int maxRecordSize) {
        this.maxRecordSize = maxRecordSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (broken) {
            in.skipBytes(in.readableBytes()); // the connection is being closed; do not fail again on its close
            return;
        }
        while (in.readableBytes() >= 4) {
            int header = in.getInt(in.readerIndex());
            int length = header & ~LAST_FRAGMENT;
            long soFar = record == null ? 0 : record.readableBytes();
            if (soFar + length > maxRecordSize) {
                fail(in);
                throw new TooLongFrameException("RPC record of at least " + (soFar + length)
                        + " bytes exceeds the limit of " + maxRecordSize);
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            ByteBuf fragment = in.readRetainedSlice(length);
            boolean last = (header & LAST_FRAGMENT) != 0;
            if (last && record == null) {
                out.add(fragment);
                continue;
            }
            if (record == null) {
                record = ctx.alloc().compositeBuffer(16);
            }
            record.addComponent(true, fragment);
            if (++fragments > MAX_FRAGMENTS) {
                fail(in);
                throw new TooLongFrameException("RPC record split into more than " + MAX_FRAGMENTS + " fragments");
            }
            if (last) {
                out.add(record);
                record = null;
                fragments = 0;
            }
        }
    }

    /** Whether part of a record has arrived and the rest has not (a stalled peer, if it stays so). */
    public boolean holdsPartialRecord() {
        return record != null || actualReadableBytes() > 0;
    }

    /** Drops the partial record and all further input: the stream is no longer framed. */
    private void fail(ByteBuf in) {
        broken = true;
        in.skipBytes(in.readableBytes());
        discard();
    }

    private void discard() {
        if (record != null) {
            record.release();
            record = null;
        }
        fragments = 0;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        discard();
    }
}
