package org.nixnfs.server.xdr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XdrTest {
    @Test
    void roundTripsWithPadding() {
        XdrEncoder e = new XdrEncoder(ByteBufAllocator.DEFAULT);
        e.writeInt(-1).writeLong(1L << 40).writeBoolean(true).writeString("abcde").writeOpaque(new byte[0]);
        List<Object> parts = e.finish();
        ByteBuf b = (ByteBuf) parts.get(0);
        assertEquals(4 + 8 + 4 + (4 + 8) + 4, b.readableBytes(), "strings are padded to 4 bytes");
        XdrDecoder d = new XdrDecoder(b);
        assertEquals(-1, d.readInt());
        assertEquals(1L << 40, d.readLong());
        assertEquals(true, d.readBoolean());
        assertEquals("abcde", d.readString(10));
        assertArrayEquals(new byte[0], d.readOpaque(10));
        assertEquals(0, d.remaining());
        b.release();
    }

    @Test
    void refusesTruncatedAndOversizedData() {
        assertThrows(XdrException.class, () -> new XdrDecoder(Unpooled.wrappedBuffer(new byte[3])).readInt());
        // A length of 2^32-1 with 4 bytes behind it must fail before allocating anything.
        XdrDecoder absurd = new XdrDecoder(Unpooled.wrappedBuffer(new byte[] {-1, -1, -1, -1, 1, 2, 3, 4}));
        assertThrows(XdrException.class, () -> absurd.readOpaque(Integer.MAX_VALUE));
        XdrDecoder tooLong = new XdrDecoder(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}));
        assertThrows(XdrException.class, () -> tooLong.readOpaque(4));
        XdrDecoder manyElements = new XdrDecoder(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 100, 0, 0, 0, 0}));
        assertThrows(XdrException.class, () -> manyElements.readArrayLength(1000, 4));
        assertThrows(XdrException.class, () -> new XdrDecoder(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2})).readBoolean());
    }

    @Test
    void resetTakesBackBytesAndSplicedRegions(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "0123456789");
        XdrEncoder e = new XdrEncoder(ByteBufAllocator.DEFAULT);
        e.writeInt(1);
        long mark = e.mark();
        e.writeInt(2);
        DefaultFileRegion region = new DefaultFileRegion(f.toFile(), 0, 10);
        e.writeOpaque(region, 10);
        e.writeInt(3);
        assertEquals(4 + 4 + 4 + 10 + 2 + 4, e.length());
        e.reset(mark);
        assertEquals(0, region.refCnt(), "the spliced region was released");
        e.writeInt(4);
        List<Object> parts = e.finish();
        assertEquals(1, parts.size());
        ByteBuf b = (ByteBuf) parts.get(0);
        assertEquals(1, b.readInt());
        assertEquals(4, b.readInt());
        assertEquals(0, b.readableBytes());
        b.release();
    }

    @Test
    void reservedSlotsArePatched() {
        XdrEncoder e = new XdrEncoder(ByteBufAllocator.DEFAULT);
        XdrEncoder.IntSlot slot = e.reserveInt();
        e.writeLong(7);
        slot.set(slot.bytesAfter());
        ByteBuf b = (ByteBuf) e.finish().get(0);
        assertEquals(8, b.readInt());
        b.release();
    }
}
