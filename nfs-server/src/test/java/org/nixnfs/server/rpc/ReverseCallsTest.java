package org.nixnfs.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.xdr.XdrDecoder;

/**
 * Calls from the server on a client's connection: the call goes out as one record; a REPLY
 * with its xid completes it (positioned at the results) and goes no further; every other record
 * (the client's calls, replies nobody waits for are dropped) passes on; a closed connection fails
 * what is still waiting.
 */
class ReverseCallsTest {
    final ReverseCalls calls = new ReverseCalls();
    final EmbeddedChannel ch = new EmbeddedChannel(new RecordMarkingEncoder(), calls);

    /** The call written on the channel (one record, whatever buffers it came in): its xid, checked header fields. */
    private int sentCall(int program) {
        ByteBuf wire = Unpooled.buffer();
        do {
            ByteBuf part = ch.readOutbound();
            wire.writeBytes(part);
            part.release();
        } while (wire.readableBytes() < 4 || wire.readableBytes() < 4 + (wire.getInt(0) & 0x7fffffff));
        int mark = wire.readInt();
        assertTrue(mark < 0, "one record, one last fragment");
        assertEquals(mark & 0x7fffffff, wire.readableBytes(), "the record and nothing more");
        XdrDecoder d = new XdrDecoder(wire);
        int xid = d.readInt();
        assertEquals(Rpc.CALL, d.readInt());
        assertEquals(Rpc.RPC_VERSION, d.readInt());
        assertEquals(program, d.readInt());
        assertEquals(1, d.readInt());
        assertEquals(1, d.readInt());
        assertEquals(Credential.AUTH_NONE, d.readInt());
        assertEquals(0, d.readInt());
        assertEquals(Credential.AUTH_NONE, d.readInt());
        assertEquals(0, d.readInt());
        assertEquals(42, d.readInt(), "the arguments");
        return xid;
    }

    private static ByteBuf reply(int xid, int acceptStat, int result) {
        return Unpooled.buffer().writeInt(xid).writeInt(Rpc.REPLY).writeInt(Rpc.MSG_ACCEPTED)
                .writeInt(Credential.AUTH_NONE).writeInt(0).writeInt(acceptStat).writeInt(result);
    }

    private CompletableFuture<ByteBuf> call(int program) {
        return calls.call(ch, program, 1, 1, out -> out.writeInt(Credential.AUTH_NONE).writeInt(0),
                out -> out.writeInt(42));
    }

    @Test
    void aReplyCompletesItsCallAndGoesNoFurther() throws Exception {
        CompletableFuture<ByteBuf> first = call(0x40000000);
        CompletableFuture<ByteBuf> second = call(0x40000000);
        int xid1 = sentCall(0x40000000);
        int xid2 = sentCall(0x40000000);
        ch.writeInbound(reply(xid2, Rpc.SUCCESS, 7));
        assertTrue(second.isDone() && !first.isDone(), "matched by xid, in any order");
        ByteBuf results = second.get();
        assertEquals(7, results.readInt());
        results.release();
        ch.writeInbound(reply(xid1, Rpc.SUCCESS, 8));
        first.get().release();
        assertNull(ch.readInbound(), "replies to our calls are not the dispatcher's");
    }

    @Test
    void callsAndUnknownRepliesAreNotTaken() {
        ByteBuf clientCall = Unpooled.buffer().writeInt(5).writeInt(Rpc.CALL).writeInt(2);
        ch.writeInbound(clientCall);
        assertSame(clientCall, ch.readInbound(), "the client's own calls go on to the dispatcher");
        ByteBuf stray = reply(12345, Rpc.SUCCESS, 0);
        ch.writeInbound(stray);
        assertNull(ch.readInbound());
        assertEquals(0, stray.refCnt(), "a reply nobody waits for is dropped and released");
    }

    @Test
    void aCallTheClientDoesNotAcceptFails() {
        CompletableFuture<ByteBuf> f = call(7);
        ch.writeInbound(reply(sentCall(7), Rpc.PROG_UNAVAIL, 0));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(ReverseCalls.RejectedException.class, e.getCause());
    }

    @Test
    void aCallGivenUpOnIsForgottenAndItsLateReplyDropped() {
        CompletableFuture<ByteBuf> f = call(7);
        int xid = sentCall(7);
        f.completeExceptionally(new TimeoutException()); // what orTimeout does
        ByteBuf late = reply(xid, Rpc.SUCCESS, 0);
        ch.writeInbound(late);
        assertNull(ch.readInbound());
        assertEquals(0, late.refCnt());
    }

    @Test
    void aClosedConnectionFailsWhatWaits() {
        CompletableFuture<ByteBuf> f = call(7);
        sentCall(7);
        ch.close();
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertInstanceOf(IOException.class, e.getCause());
        ExecutionException after = assertThrows(ExecutionException.class, () -> call(7).get());
        assertInstanceOf(IOException.class, after.getCause(), "no call on a closed connection");
    }
}
