package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;
import org.nixnfs.store.testing.LogCapture;

/**
 * Hostile and malformed input over a real socket: every case gets a precise error (or its
 * connection closed), and the server goes on serving.
 */
class BadInputTest extends SharedServerTest {
    static final int NFS4ERR_NOENT = 2;
    static final int NFS4ERR_ROFS = 30;
    static final int NFS4ERR_STALE = 70;
    static final int NFS4ERR_BADHANDLE = 10001;
    static final int NFS4ERR_NOFILEHANDLE = 10020;
    static final int NFS4ERR_MINOR_VERS_MISMATCH = 10021;
    static final int NFS4ERR_BADXDR = 10036;
    static final int NFS4ERR_BADNAME = 10041;
    static final int NFS4ERR_OP_ILLEGAL = 10044;
    static final int NFS4ERR_NOTSUPP = 10004;

    private void assertStillServing() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            c.lookup(TestStore.exportPath(store.tool));
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void everyMutatingOperationIsReadOnlyFileSystem(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.tool));
            byte[] file = c.lookup(TestStore.exportPath(store.tool) + "/include/tool.h");
            // WRITE, SETATTR, COMMIT on a file; CREATE, REMOVE, RENAME, LINK in a directory.
            assertRofs(c, c.newCompound().putFh(file).op(38).stateId(0, new byte[12]).i64(0).i32(2).opaque(new byte[] {1, 2}));
            assertRofs(c, c.newCompound().putFh(file).op(34).stateId(0, new byte[12]).bitmap(4).opaque(new byte[8]));
            assertRofs(c, c.newCompound().putFh(file).op(5).i64(0).i32(0));
            assertRofs(c, c.newCompound().putFh(dir).op(6).i32(2).string("newdir").bitmap().opaque(new byte[0]));
            assertRofs(c, c.newCompound().putFh(dir).op(28).string("bin"));
            assertRofs(c, c.newCompound().putFh(dir).saveFh().op(29).string("bin").string("bin2"));
            assertRofs(c, c.newCompound().putFh(file).saveFh().putFh(dir).op(11).string("hardlink"));
            // OPEN with create, and OPEN for writing.
            assertRofs(c, c.newCompound().putFh(dir).op(18).i32(0).i32(1).i32(0).i64(c.clientId()).string("o")
                    .i32(1).i32(0).bitmap().opaque(new byte[0]).i32(0).string("new-file"));
            assertRofs(c, c.newCompound().putFh(c.lookup(TestStore.exportPath(store.tool) + "/include"))
                    .op(18).i32(0).i32(3).i32(0).i64(c.clientId()).string("o").i32(0).i32(0).string("tool.h"));
            assertTrue(Files.exists(store.onDisk(store.tool).resolve("bin")), "nothing was removed");
        }
    }

    private static void assertRofs(Nfs4TestClient c, Compound compound) throws Exception {
        CompoundReply r = c.compound(compound);
        assertEquals(NFS4ERR_ROFS, r.status(), "compound " + compound.opcodes());
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1, 2})
    void unknownOperationsAreIllegal(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            CompoundReply r = c.compound(c.newCompound().putRootFh().op(99999));
            r.ok(24);
            assertEquals(NFS4ERR_OP_ILLEGAL, r.next(10044), "the result names OP_ILLEGAL");
            r = c.compound(c.newCompound().putRootFh().op(2));
            r.ok(24);
            assertEquals(NFS4ERR_OP_ILLEGAL, r.next(10044));
        }
    }

    @Test
    void sessionOperationsAreIllegalIn40AndStateOperationsNotSupportedIn41() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 0)) {
            CompoundReply r = c.compound(c.newCompound().op(53).fixed(new byte[16]).i32(1).i32(0).i32(0).bool(false));
            assertEquals(NFS4ERR_OP_ILLEGAL, r.next(10044));
        }
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            CompoundReply r = c.compound(c.newCompound().op(30).i64(c.clientId()));
            assertEquals(NFS4ERR_NOTSUPP, r.next(30), "RENEW does not exist in 4.1");
        }
    }

    @Test
    void minorVersionThreeIsAMismatch() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connectBare(server.address(), 3)) {
            CompoundReply r = c.raw(new Compound(3).putRootFh());
            assertEquals(NFS4ERR_MINOR_VERS_MISMATCH, r.status());
            assertEquals(0, r.resultCount());
        }
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1})
    void forgedAndCorruptedHandlesNeverResolveToAFile(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] good = c.lookup(TestStore.exportPath(store.tool) + "/bin/tool");
            assertEquals(NFS4ERR_BADHANDLE, putFhStatus(c, new byte[] {1, 2, 3}));
            assertEquals(NFS4ERR_BADHANDLE, putFhStatus(c, new byte[200]), "longer than NFS4_FHSIZE");
            Random random = new Random(42);
            for (int i = 0; i < 200; i++) {
                byte[] forged = good.clone();
                int at = random.nextInt(forged.length);
                forged[at] ^= (byte) (1 + random.nextInt(255));
                int s = putFhStatus(c, forged);
                assertTrue(s == NFS4ERR_BADHANDLE || s == NFS4ERR_STALE, "flipped byte " + at + " gave " + s);
            }
            // Well-formed, but naming a store path that is not valid (the unregistered directory).
            byte[] unregistered = good.clone();
            byte[] hash = store.unregistered.hashPart().getBytes();
            System.arraycopy(hash, 0, unregistered, 8, hash.length);
            assertEquals(NFS4ERR_STALE, putFhStatus(c, unregistered));
            byte[] truncated = Arrays.copyOf(good, good.length - 1);
            assertEquals(NFS4ERR_BADHANDLE, putFhStatus(c, truncated));
        }
        assertStillServing();
    }

    private static int putFhStatus(Nfs4TestClient c, byte[] fh) throws Exception {
        CompoundReply r = c.compound(c.newCompound().putFh(fh).getAttr(1));
        return r.next(22);
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1})
    void namesThatCouldEscapeAreRefused(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.tool));
            for (String name : new String[] {"..", ".", "bin/tool", "../../etc", "a\0b"}) {
                CompoundReply r = c.compound(c.newCompound().putFh(dir).lookup(name));
                r.ok(22);
                assertEquals(NFS4ERR_BADNAME, r.next(15), "name '" + name + "'");
            }
            CompoundReply r = c.compound(c.newCompound().putRootFh().lookup("etc"));
            r.ok(24);
            assertEquals(NFS4ERR_NOENT, r.next(15), "only the export path exists in the pseudo filesystem");
            r = c.compound(c.newCompound().getAttr(1));
            assertEquals(NFS4ERR_NOFILEHANDLE, r.next(9));
            r = c.compound(c.newCompound().putRootFh().lookup(store.unregistered.baseName()));
            r.ok(24);
            assertEquals(NFS4ERR_NOENT, r.next(15));
        }
    }

    @Test
    void truncatedOperationArgumentsAreBadXdr() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 0)) {
            // LOOKUP claiming a 1000-byte name but carrying 4 bytes.
            CompoundReply r = c.compound(c.newCompound().putRootFh().op(15).i32(1000).i32(0x61616161));
            r.ok(24);
            assertEquals(NFS4ERR_BADXDR, r.next(15));
        }
        assertStillServing();
    }

    /**
     * What a client may send on every request leaves no line in the log at the default level, so
     * no client can flood it: NfsErrorLog's levels, seen through the real server and backend.
     */
    @Test
    void repeatedHostileRequestsLeaveNoLogLine() throws Exception {
        String captured;
        try (LogCapture log = new LogCapture();
                Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.tool));
            for (int i = 0; i < 200; i++) {
                assertEquals(NFS4ERR_BADXDR, c.compound(c.newCompound().putRootFh().op(15).i32(1000).i32(0x61616161)).status());
                assertEquals(NFS4ERR_BADHANDLE, putFhStatus(c, new byte[] {1, 2, 3}));
                assertEquals(NFS4ERR_BADNAME, c.compound(c.newCompound().putFh(dir).lookup("..")).status());
                assertEquals(NFS4ERR_NOENT, c.compound(c.newCompound().putFh(dir).lookup("no-such-name")).status());
                assertEquals(NFS4ERR_ROFS, c.compound(c.newCompound().putFh(dir).op(28).string("bin")).status());
            }
            captured = log.text();
        }
        String[] lines = captured.lines()
                .filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains(".nfs4."))
                .toArray(String[]::new);
        assertEquals(0, lines.length, "1,000 refused requests logged:\n" + String.join("\n", lines));
        assertStillServing();
    }

    /** Calls that are no RPC call at all are a warning for the operator, but at most one line per 10 s. */
    @Test
    void repeatedMalformedCallsLeaveAtMostOneLogLine() throws Exception {
        String captured;
        try (LogCapture log = new LogCapture(); RpcTestClient rpc = new RpcTestClient(server.address())) {
            byte[] cred = RpcTestClient.authSysRoot();
            for (int i = 0; i < 200; i++) {
                var r = rpc.call(100003, 4, 1, 1, cred, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9}));
                assertEquals(4, r.acceptStat(), "GARBAGE_ARGS");
                r = rpc.call(100003, 4, 0, 1, new byte[] {0, 0, 0, 1}, Unpooled.EMPTY_BUFFER);
                assertEquals(1, r.rejectStat(), "AUTH_ERROR");
            }
            captured = log.text();
        }
        String[] lines = warningLines(captured);
        assertTrue(lines.length <= 1, "400 malformed calls logged:\n" + String.join("\n", lines));
        assertStillServing();
    }

    /** Connections broken on purpose (a record over the limit) are one warning per 10 s, not one each. */
    @Test
    void connectionsOpenedOnlyToBreakTheProtocolLeaveAtMostOneLogLine() throws Exception {
        String captured;
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < 100; i++) {
                try (RpcTestClient rpc = new RpcTestClient(server.address())) {
                    rpc.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}); // a 2 GiB fragment
                    assertTrue(rpc.closedByServer(30_000), "a record over the limit closes the connection");
                }
            }
            captured = log.text();
        }
        String[] lines = warningLines(captured);
        assertTrue(lines.length <= 1, "100 broken connections logged:\n" + String.join("\n", lines));
        assertStillServing();
    }

    /** The lines of a captured log an operator sees at the default level. */
    private static String[] warningLines(String captured) {
        return captured.lines().filter(l -> l.contains("WARN") || l.contains("ERROR")).toArray(String[]::new);
    }

    @Test
    void rpcLevelErrors() throws Exception {
        try (RpcTestClient rpc = new RpcTestClient(server.address())) {
            byte[] cred = RpcTestClient.authSysRoot();
            ByteBuf none = Unpooled.EMPTY_BUFFER;
            var r = rpc.call(100005, 3, 0, 1, cred, none);
            assertEquals(1, r.acceptStat(), "PROG_UNAVAIL for the MOUNT program");
            r = rpc.call(100003, 3, 0, 1, cred, none);
            assertEquals(2, r.acceptStat(), "PROG_MISMATCH for NFSv3");
            assertArrayEquals(new int[] {4, 4}, r.extra());
            r = rpc.call(100003, 4, 7, 1, cred, none);
            assertEquals(3, r.acceptStat(), "PROC_UNAVAIL");
            r = rpc.call(100003, 4, 1, 1, cred, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9}));
            assertEquals(4, r.acceptStat(), "GARBAGE_ARGS for a truncated COMPOUND header");
            r = rpc.call(100003, 4, 0, 6, new byte[16], none);
            assertEquals(1, r.replyStat(), "MSG_DENIED for RPCSEC_GSS");
            assertEquals(1, r.rejectStat(), "AUTH_ERROR");
            r = rpc.call(100003, 4, 0, 1, new byte[] {0, 0, 0, 1}, none);
            assertEquals(1, r.rejectStat(), "AUTH_ERROR for a malformed AUTH_SYS body");
            r = rpc.call(100003, 4, 0, 0, new byte[0], none);
            assertTrue(r.success(), "NULL with AUTH_NONE");

            ByteBuf bad = Unpooled.buffer();
            int xid = rpc.nextXid();
            bad.writeInt(xid).writeInt(0).writeInt(3).writeInt(100003).writeInt(4).writeInt(0);
            rpc.sendRecord(bad);
            var mismatch = rpc.awaitReply(xid);
            assertEquals(1, mismatch.replyStat());
            assertEquals(0, mismatch.rejectStat(), "RPC_MISMATCH for RPC version 3");
        }
    }

    @Test
    void multiFragmentRecordsAreReassembled() throws Exception {
        try (RpcTestClient rpc = new RpcTestClient(server.address())) {
            int xid = rpc.nextXid();
            ByteBuf call = Unpooled.buffer();
            call.writeInt(xid).writeInt(0).writeInt(2).writeInt(100003).writeInt(4).writeInt(0)
                    .writeInt(0).writeInt(0).writeInt(0).writeInt(0);
            byte[] body = new byte[call.readableBytes()];
            call.readBytes(body);
            ByteBuffer wire = ByteBuffer.allocate(body.length + 12);
            wire.putInt(4).put(body, 0, 4).putInt(8).put(body, 4, 8).putInt(0x80000000 | (body.length - 12))
                    .put(body, 12, body.length - 12);
            rpc.sendRaw(wire.array());
            assertTrue(rpc.awaitReply(xid).success());
        }
    }

    @Test
    void absurdRecordLengthClosesOnlyThatConnection() throws Exception {
        try (RpcTestClient rpc = new RpcTestClient(server.address())) {
            rpc.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0});
            assertTrue(rpc.closedByServer(10_000), "a 2 GiB record is refused by closing the connection");
        }
        try (RpcTestClient rpc = new RpcTestClient(server.address())) {
            byte[] many = new byte[8 * 2000];
            ByteBuffer b = ByteBuffer.wrap(many);
            for (int i = 0; i < 2000; i++) {
                b.putInt(4).putInt(0);
            }
            rpc.sendRaw(many);
            assertTrue(rpc.closedByServer(10_000), "endless non-final fragments are refused");
        }
        assertStillServing();
    }

    @Test
    void garbageAndNonCallsAreIgnoredWithoutHarm() throws Exception {
        try (RpcTestClient rpc = new RpcTestClient(server.address())) {
            ByteBuf reply = Unpooled.buffer().writeInt(7).writeInt(1).writeInt(0);
            rpc.sendRecord(reply); // a REPLY sent to the server
            rpc.sendRecord(Unpooled.wrappedBuffer(new byte[] {1, 2})); // too short to hold a call
            var r = rpc.call(100003, 4, 0, 0, new byte[0], Unpooled.EMPTY_BUFFER);
            assertTrue(r.success(), "the same connection still works");
        }
        assertStillServing();
    }
}
