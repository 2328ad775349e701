package org.nixnfs.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordMarkingDecoderTest {
    private static ByteBuf fragment(String body, boolean last) {
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.buffer().writeInt((last ? 0x80000000 : 0) | b.length).writeBytes(b);
    }

    @Test
    void joinsFragmentsAndSplitsRecordsAcrossArbitraryReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new RecordMarkingDecoder(1024));
        ByteBuf wire = Unpooled.buffer();
        wire.writeBytes(fragment("abc", false)).writeBytes(fragment("def", true)).writeBytes(fragment("xyz", true));
        while (wire.isReadable()) {
            ch.writeInbound(wire.readRetainedSlice(Math.min(2, wire.readableBytes()))); // 2 bytes at a time
        }
        ByteBuf first = ch.readInbound();
        assertEquals("abcdef", first.toString(StandardCharsets.US_ASCII));
        ByteBuf second = ch.readInbound();
        assertEquals("xyz", second.toString(StandardCharsets.US_ASCII));
        assertNull(ch.readInbound());
        first.release();
        second.release();
        wire.release();
    }

    @Test
    void refusesRecordsOverTheLimitBeforeBufferingThem() {
        EmbeddedChannel ch = new EmbeddedChannel(new RecordMarkingDecoder(1024));
        ByteBuf header = Unpooled.buffer().writeInt(0x80000000 | 0x7fffffff);
        assertThrows(DecoderException.class, () -> ch.writeInbound(header));
        EmbeddedChannel ch2 = new EmbeddedChannel(new RecordMarkingDecoder(10));
        ch2.writeInbound(fragment("123456", false));
        assertThrows(DecoderException.class, () -> ch2.writeInbound(fragment("123456", true)),
                "the limit counts all fragments of a record");
    }
}
