package org.nixnfs.server.xdr;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads XDR (RFC 4506) from a {@link ByteBuf}. Every read is bounds-checked and every
 * variable-length item is checked against both its declared limit and the bytes actually
 * present, so a malformed or hostile message fails with {@link XdrException} and never makes us
 * allocate more than the message itself holds.
 */
public final class XdrDecoder {
    private final ByteBuf buf;

    public XdrDecoder(ByteBuf buf) {
        this.buf = buf;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int remaining() {
        return buf.readableBytes();
    }

    private void need(long n) {
        if (n > buf.readableBytes()) {
            throw new XdrException("truncated XDR: need " + n + " bytes, have " + buf.readableBytes());
        }
    }

    public int readInt() {
        need(4);
        return buf.readInt();
    }

    /** An unsigned 32-bit value, as a non-negative long. */
    public long readUnsignedInt() {
        return readInt() & 0xffffffffL;
    }

    public long readLong() {
        need(8);
        return buf.readLong();
    }

    public boolean readBoolean() {
        int v = readInt();
        if (v != 0 && v != 1) {
            throw new XdrException("bad XDR boolean " + v);
        }
        return v == 1;
    }

    /** A length prefix for variable-length data, checked against {@code max}. */
    private int readLength(int max) {
        long len = readUnsignedInt();
        if (len > max) {
            throw new XdrException("XDR length " + len + " exceeds limit " + max);
        }
        return (int) len;
    }

    /** A count of array elements each at least {@code minElementSize} bytes, checked against what is present. */
    public int readArrayLength(int max, int minElementSize) {
        int n = readLength(max);
        need((long) n * minElementSize);
        return n;
    }

    public byte[] readFixedOpaque(int len) {
        need(pad(len));
        byte[] b = new byte[len];
        buf.readBytes(b);
        buf.skipBytes(pad(len) - len);
        return b;
    }

    public byte[] readOpaque(int max) {
        return readFixedOpaque(readLength(max));
    }

    public void skipOpaque(int max) {
        int len = readLength(max);
        need(pad(len));
        buf.skipBytes(pad(len));
    }

    public String readString(int max) {
        return new String(readOpaque(max), StandardCharsets.UTF_8);
    }

    public static int pad(int len) {
        return (len + 3) & ~3;
    }
}
