package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.nixnfs.server.testing.TestStore;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * COMPOUND argument decoding for every operation, against the real export of the test store:
 * well-formed RPC calls whose COMPOUNDs start where real ones do (PUTROOTFH, a path down to a
 * directory or a file, SEQUENCE of a real session in 4.1/4.2) and then carry operations the
 * fuzzer picks with arguments it makes up. Every operation number the server knows is offered,
 * and others. Goes through the public entry point (bytes into the connection's pipeline), so it
 * does not depend on how operations decode their arguments.
 */
class CompoundFuzzTest {
    /** NFSv4.0-4.2 operation numbers (3..58 and 59..75), plus OP_ILLEGAL and an unknown one. */
    static final int[] OPCODES = opcodes();
    static EmbeddedChannel ch;
    static byte[] sessionId;
    static int slotSeq;
    static int xid;

    static int[] opcodes() {
        int[] ops = new int[75 - 3 + 1 + 2];
        for (int i = 0; i <= 75 - 3; i++) {
            ops[i] = 3 + i;
        }
        ops[ops.length - 2] = 10044;
        ops[ops.length - 1] = 2;
        return ops;
    }

    @FuzzTest(maxDuration = "10s")
    void compound(FuzzedDataProvider data) throws Exception {
        InProcessExport export = InProcessExport.get();
        if (ch == null) {
            ch = export.connect();
            establish(export);
        }
        int minor = data.consumeInt(0, 2);
        boolean sequence = minor > 0 && data.consumeBoolean();
        ByteBuf ops = Unpooled.buffer();
        int count = 0;
        if (sequence) {
            ops.writeInt(53).writeBytes(sessionId).writeInt(slotSeq + 1).writeInt(0).writeInt(0).writeInt(0);
            count++;
        }
        count += startingPoint(export.store, data.consumeInt(0, 4), ops);
        int n = data.consumeInt(0, 6);
        for (int i = 0; i < n; i++) {
            ops.writeInt(data.consumeBoolean() ? data.pickValue(OPCODES) : data.consumeInt());
            byte[] args = data.consumeBytes(data.consumeInt(0, 96));
            ops.writeBytes(args).writeZero((4 - (args.length & 3)) & 3);
            count++;
        }
        int numOps = data.consumeInt(0, 20) == 0 ? data.consumeInt() : count;
        ops.writeBytes(data.consumeRemainingAsBytes());

        ByteBuf call = Unpooled.buffer();
        call.writeInt(++xid).writeInt(0).writeInt(2).writeInt(100003).writeInt(4).writeInt(1);
        byte[] machine = "fuzz".getBytes(StandardCharsets.US_ASCII);
        call.writeInt(1).writeInt(20 + machine.length).writeInt(0).writeInt(machine.length).writeBytes(machine)
                .writeInt(0).writeInt(0).writeInt(0); // AUTH_SYS: stamp, machine, uid 0, gid 0, no groups
        call.writeInt(0).writeInt(0); // verifier AUTH_NONE
        call.writeInt(0).writeInt(minor).writeInt(numOps).writeBytes(ops); // tag "", minorversion, ops
        List<InProcessExport.Reply> replies = send(export, call);
        if (replies == null) {
            ch = null; // a record over the size limit: the server closed the connection
            return;
        }
        if (sequence && !replies.isEmpty() && replies.get(0).acceptStat() == 0) {
            XdrDecoder r = replies.get(0).body();
            r.readInt();
            r.skipOpaque(1 << 16);
            if (r.readInt() > 0 && r.readInt() == 53) {
                int status = r.readInt();
                if (status == 0) {
                    slotSeq++;
                } else if (status == 10052) { // NFS4ERR_BADSESSION: the fuzzer destroyed it
                    establish(export);
                }
            }
        }
    }

    /** Where the COMPOUND starts: nothing, the root, the store, a store path, a file in it. */
    private static int startingPoint(TestStore store, int depth, ByteBuf ops) {
        if (depth == 0) {
            return 0;
        }
        ops.writeInt(24); // PUTROOTFH
        String[] path = {"nix", "store", store.tool.baseName(), "include", "tool.h"};
        int lookups = Math.min(depth * 2 - 1, path.length);
        for (int i = 0; i < lookups; i++) {
            byte[] name = path[i].getBytes(StandardCharsets.UTF_8);
            ops.writeInt(15).writeInt(name.length).writeBytes(name).writeZero((4 - (name.length & 3)) & 3);
        }
        return 1 + lookups;
    }

    private static List<InProcessExport.Reply> send(InProcessExport export, ByteBuf call) {
        byte[] body = new byte[call.readableBytes()];
        call.readBytes(body);
        byte[] framed = Unpooled.buffer().writeInt(0x80000000 | body.length).writeBytes(body).array();
        return export.feed(ch, Arrays.copyOf(framed, 4 + body.length));
    }

    /** A 4.1 client id and session of our own on the connection (EXCHANGE_ID, CREATE_SESSION). */
    private static void establish(InProcessExport export) {
        ByteBuf ops = Unpooled.buffer();
        byte[] owner = ("fuzz-" + System.nanoTime()).getBytes(StandardCharsets.US_ASCII);
        ops.writeInt(42).writeZero(8).writeInt(owner.length).writeBytes(owner).writeZero((4 - (owner.length & 3)) & 3)
                .writeInt(0).writeInt(0).writeInt(0);
        XdrDecoder r = compound(export, 1, 1, ops);
        long clientId = r.readLong();
        int seq = r.readInt();
        ops = Unpooled.buffer();
        ops.writeInt(43).writeLong(clientId).writeInt(seq).writeInt(0)
                .writeInt(0).writeInt(1 << 20).writeInt(1 << 20).writeInt(8192).writeInt(16).writeInt(8).writeInt(0)
                .writeInt(0).writeInt(4096).writeInt(4096).writeInt(0).writeInt(2).writeInt(1).writeInt(0)
                .writeInt(0x40000000).writeInt(1).writeInt(0);
        r = compound(export, 1, 1, ops);
        sessionId = new byte[16];
        for (int i = 0; i < 4; i++) {
            int v = r.readInt();
            sessionId[4 * i] = (byte) (v >>> 24);
            sessionId[4 * i + 1] = (byte) (v >>> 16);
            sessionId[4 * i + 2] = (byte) (v >>> 8);
            sessionId[4 * i + 3] = (byte) v;
        }
        slotSeq = 0;
    }

    /** Runs a set-up COMPOUND that must succeed; the decoder is left at the first operation's result. */
    private static XdrDecoder compound(InProcessExport export, int minor, int numOps, ByteBuf ops) {
        ByteBuf call = Unpooled.buffer();
        call.writeInt(++xid).writeInt(0).writeInt(2).writeInt(100003).writeInt(4).writeInt(1)
                .writeInt(0).writeInt(0).writeInt(0).writeInt(0)
                .writeInt(0).writeInt(minor).writeInt(numOps).writeBytes(ops);
        InProcessExport.Reply reply = send(export, call).get(0);
        XdrDecoder r = reply.body();
        if (r.readInt() != 0) {
            throw new IllegalStateException("set-up COMPOUND failed");
        }
        r.skipOpaque(1 << 16);
        r.readInt();
        r.readInt();
        if (r.readInt() != 0) {
            throw new IllegalStateException("set-up operation failed");
        }
        return r;
    }
}
