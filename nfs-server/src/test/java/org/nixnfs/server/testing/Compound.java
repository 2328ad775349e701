package org.nixnfs.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds a COMPOUND's arguments, operation by operation, for tests. */
public final class Compound {
    private final ByteBuf ops = Unpooled.buffer();
    private final List<Integer> opcodes = new ArrayList<>();
    private final int minorVersion;
    private byte[] tag = "test".getBytes(StandardCharsets.UTF_8);

    public Compound(int minorVersion) {
        this.minorVersion = minorVersion;
    }

    public int minorVersion() {
        return minorVersion;
    }

    public List<Integer> opcodes() {
        return opcodes;
    }

    public Compound tag(String t) {
        return tag(t.getBytes(StandardCharsets.UTF_8));
    }

    /** A tag as raw bytes, which need not be UTF-8. */
    public Compound tag(byte[] t) {
        this.tag = t.clone();
        return this;
    }

    /** Starts an operation; follow with its arguments through the raw writers. */
    public Compound op(int opcode) {
        opcodes.add(opcode);
        ops.writeInt(opcode);
        return this;
    }

    public Compound i32(int v) {
        ops.writeInt(v);
        return this;
    }

    public Compound i64(long v) {
        ops.writeLong(v);
        return this;
    }

    public Compound bool(boolean v) {
        return i32(v ? 1 : 0);
    }

    public Compound opaque(byte[] b) {
        ops.writeInt(b.length).writeBytes(b).writeZero(RpcTestClient.pad(b.length));
        return this;
    }

    public Compound fixed(byte[] b) {
        ops.writeBytes(b).writeZero(RpcTestClient.pad(b.length));
        return this;
    }

    public Compound string(String s) {
        return opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    public Compound bitmap(int... attrs) {
        int max = 0;
        for (int a : attrs) {
            max = Math.max(max, a);
        }
        int[] w = new int[attrs.length == 0 ? 0 : max / 32 + 1];
        for (int a : attrs) {
            w[a / 32] |= 1 << (a % 32);
        }
        ops.writeInt(w.length);
        for (int x : w) {
            ops.writeInt(x);
        }
        return this;
    }

    public Compound stateId(int seqid, byte[] other) {
        return i32(seqid).fixed(other);
    }

    // Common operations.
    public Compound putRootFh() {
        return op(24);
    }

    public Compound putFh(byte[] fh) {
        return op(22).opaque(fh);
    }

    public Compound lookup(String name) {
        return op(15).string(name);
    }

    public Compound lookupPath(String path) {
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                lookup(c);
            }
        }
        return this;
    }

    public Compound lookupp() {
        return op(16);
    }

    public Compound getFh() {
        return op(10);
    }

    public Compound getAttr(int... attrs) {
        return op(9).bitmap(attrs);
    }

    public Compound readLink() {
        return op(27);
    }

    public Compound saveFh() {
        return op(32);
    }

    public Compound restoreFh() {
        return op(31);
    }

    public Compound access(int mask) {
        return op(3).i32(mask);
    }

    public Compound read(int seqid, byte[] other, long offset, int count) {
        return op(25).stateId(seqid, other).i64(offset).i32(count);
    }

    public Compound readDir(long cookie, byte[] verifier, int dirCount, int maxCount, int... attrs) {
        return op(26).i64(cookie).fixed(verifier).i32(dirCount).i32(maxCount).bitmap(attrs);
    }

    /** The COMPOUND4args: tag, minor version, operations. */
    public ByteBuf encode() {
        ByteBuf b = Unpooled.buffer();
        byte[] t = tag;
        b.writeInt(t.length).writeBytes(t).writeZero(RpcTestClient.pad(t.length));
        b.writeInt(minorVersion).writeInt(opcodes.size());
        b.writeBytes(ops, ops.readerIndex(), ops.readableBytes());
        return b;
    }

    /** A copy of this compound with {@code prefix}'s operations first (used to prepend SEQUENCE). */
    public Compound prependedWith(Compound prefix) {
        Compound c = new Compound(minorVersion).tag(tag);
        c.opcodes.addAll(prefix.opcodes);
        c.opcodes.addAll(opcodes);
        c.ops.writeBytes(prefix.ops, prefix.ops.readerIndex(), prefix.ops.readableBytes());
        c.ops.writeBytes(ops, ops.readerIndex(), ops.readableBytes());
        return c;
    }
}
