package org.nixnfs.server.xdr;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes XDR into a reply made of parts: heap-free {@link FileRegion}s for file data (so READ
 * never copies file contents through the Java heap) between ordinary {@link ByteBuf}s for
 * everything else. {@link #mark()} / {@link #reset(long)} let an operation that fails half-way
 * take back what it wrote.
 *
 * <p>The first buffer starts {@value #HEADROOM} bytes in (its reader index), room that RPC record
 * marking fills with the record mark, so that a reply goes out as one buffer, not two.
 */
public final class XdrEncoder implements AutoCloseable {
    private static final byte[] ZERO_PAD = new byte[4];
    /** Room left in front of the first buffer: an RPC record mark. */
    public static final int HEADROOM = 4;
    private final ByteBufAllocator alloc;
    private final List<Object> parts = new ArrayList<>();
    private ByteBuf current;

    public XdrEncoder(ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.current = alloc.buffer(512);
        current.writerIndex(HEADROOM).readerIndex(HEADROOM);
    }

    public XdrEncoder writeInt(int v) {
        current.writeInt(v);
        return this;
    }

    public XdrEncoder writeLong(long v) {
        current.writeLong(v);
        return this;
    }

    public XdrEncoder writeBoolean(boolean v) {
        current.writeInt(v ? 1 : 0);
        return this;
    }

    public XdrEncoder writeFixedOpaque(byte[] b) {
        current.writeBytes(b);
        current.writeBytes(ZERO_PAD, 0, XdrDecoder.pad(b.length) - b.length);
        return this;
    }

    public XdrEncoder writeOpaque(byte[] b) {
        current.writeInt(b.length);
        return writeFixedOpaque(b);
    }

    /** Writes {@code len} bytes of {@code src} from its reader index as variable-length opaque data. */
    public XdrEncoder writeOpaque(ByteBuf src, int len) {
        current.writeInt(len);
        current.writeBytes(src, src.readerIndex(), len);
        current.writeBytes(ZERO_PAD, 0, XdrDecoder.pad(len) - len);
        return this;
    }

    public XdrEncoder writeString(String s) {
        return writeOpaque(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads {@code length} bytes of a file at {@code position} into the reply as opaque data. */
    public XdrEncoder writeOpaque(FileChannel file, long position, int length) throws IOException {
        current.writeInt(length);
        int done = 0;
        while (done < length) {
            int n = current.writeBytes(file, position + done, length - done);
            if (n < 0) {
                throw new EOFException("file ended before " + length + " bytes were read");
            }
            done += n;
        }
        current.writeBytes(ZERO_PAD, 0, XdrDecoder.pad(length) - length);
        return this;
    }

    /** Splices {@code length} bytes of file data as opaque data without copying them. */
    public XdrEncoder writeOpaque(FileRegion region, int length) {
        current.writeInt(length);
        parts.add(current);
        parts.add(region);
        current = alloc.buffer(512);
        current.writeBytes(ZERO_PAD, 0, XdrDecoder.pad(length) - length);
        return this;
    }

    /** A position to {@link #reset} to: the part count and the write index in the current buffer. */
    public long mark() {
        return ((long) parts.size() << 32) | current.writerIndex();
    }

    /** Takes back everything written after {@code mark}, spliced file regions included. */
    public void reset(long mark) {
        int partCount = (int) (mark >>> 32);
        if (parts.size() > partCount) {
            current.release();
            current = (ByteBuf) parts.get(partCount);
            for (Object p : parts.subList(partCount + 1, parts.size())) {
                ReferenceCountUtil.safeRelease(p);
            }
            parts.subList(partCount, parts.size()).clear();
        }
        current.writerIndex((int) mark);
    }

    /** Reserves an int to be filled in later with {@link #patchInt}; returns its handle. */
    public IntSlot reserveInt() {
        IntSlot slot = new IntSlot(current, current.writerIndex());
        current.writeInt(0);
        return slot;
    }

    public record IntSlot(ByteBuf buf, int index) {
        public void set(int v) {
            buf.setInt(index, v);
        }

        /** Bytes written after the slot, in the same buffer (no file region spliced since). */
        public int bytesAfter() {
            return buf.writerIndex() - index - 4;
        }
    }

    /** A copy of everything written since {@code mark}, which must precede any spliced file region. */
    public byte[] copySince(long mark) {
        if ((int) (mark >>> 32) != parts.size()) {
            throw new IllegalStateException("file data was spliced since the mark");
        }
        byte[] b = new byte[current.writerIndex() - (int) mark];
        current.getBytes((int) mark, b);
        return b;
    }

    /** Bytes written so far, file regions included. */
    public long length() {
        long n = current.readableBytes();
        for (Object p : parts) {
            n += p instanceof ByteBuf b ? b.readableBytes() : ((FileRegion) p).count();
        }
        return n;
    }

    /** Hands over the reply's parts (ByteBufs and FileRegions, in order); the encoder is spent. */
    public List<Object> finish() {
        List<Object> out = new ArrayList<>(parts);
        out.add(current);
        parts.clear();
        current = null;
        return out;
    }

    /** Releases anything not handed over by {@link #finish()}. */
    @Override
    public void close() {
        for (Object p : parts) {
            ReferenceCountUtil.safeRelease(p);
        }
        parts.clear();
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
