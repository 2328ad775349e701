package org.nixnfs.server.testing;

import java.nio.charset.StandardCharsets;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * A COMPOUND4res being read: overall status, then each operation's result in turn. Tests call
 * {@link #next(int)} for each operation and decode its body with the typed readers.
 */
public final class CompoundReply {
    private final XdrDecoder d;
    private final int status;
    private final int resultCount;
    private int read;
    private int lastStatus;

    public CompoundReply(XdrDecoder d) {
        this.d = d;
        this.status = d.readInt();
        d.readOpaque(1024); // tag
        this.resultCount = d.readInt();
    }

    public int status() {
        return status;
    }

    public int resultCount() {
        return resultCount;
    }

    /** Moves to the next result, checks its opcode, and returns its status. */
    public int next(int expectedOpcode) {
        if (read >= resultCount) {
            throw new AssertionError("no more results (had " + resultCount + ")");
        }
        read++;
        int op = d.readInt();
        if (op != expectedOpcode) {
            throw new AssertionError("result " + read + " is for op " + op + ", expected " + expectedOpcode);
        }
        lastStatus = d.readInt();
        return lastStatus;
    }

    /** Like {@link #next} but fails unless the operation succeeded. */
    public CompoundReply ok(int expectedOpcode) {
        int s = next(expectedOpcode);
        if (s != 0) {
            throw new AssertionError("op " + expectedOpcode + " failed with status " + s);
        }
        return this;
    }

    public XdrDecoder body() {
        return d;
    }

    public int i32() {
        return d.readInt();
    }

    public long i64() {
        return d.readLong();
    }

    public boolean bool() {
        return d.readBoolean();
    }

    public byte[] opaque() {
        return d.readOpaque(1 << 24);
    }

    public byte[] fixed(int n) {
        return d.readFixedOpaque(n);
    }

    public String string() {
        return new String(opaque(), StandardCharsets.UTF_8);
    }

    public int[] bitmap() {
        int n = d.readInt();
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = d.readInt();
        }
        return w;
    }

    public Fattr fattr() {
        return new Fattr(bitmap(), opaque());
    }

    /** An fattr4 as received: its bitmap and the raw values. */
    public record Fattr(int[] bitmap, byte[] values) {
        public boolean has(int attr) {
            return attr / 32 < bitmap.length && (bitmap[attr / 32] & (1 << (attr % 32))) != 0;
        }
    }
}
