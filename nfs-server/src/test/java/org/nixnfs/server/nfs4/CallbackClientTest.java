package org.nixnfs.server.nfs4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsStatus;

/** CB_COMPOUND replies read per operation: a client stops at the first failure, and may fail CB_SEQUENCE itself. */
class CallbackClientTest {
    static ByteBuf reply(int status, int... opsAndStatuses) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(status).writeInt(0).writeInt(opsAndStatuses.length / 2);
        for (int i = 0; i < opsAndStatuses.length; i += 2) {
            b.writeInt(opsAndStatuses[i]).writeInt(opsAndStatuses[i + 1]);
            if (opsAndStatuses[i] == CallbackClient.OP_CB_SEQUENCE && opsAndStatuses[i + 1] == 0) {
                b.writeBytes(new byte[16]).writeInt(1).writeInt(0).writeInt(0).writeInt(0);
            }
        }
        return b;
    }

    @Test
    void recallsAfterTheFirstFailureWereNotRun() {
        RecallReply r = CallbackClient.parse(reply(NfsStatus.NFS4ERR_BADHANDLE, CallbackClient.OP_CB_SEQUENCE, 0,
                CallbackClient.OP_CB_RECALL, 0, CallbackClient.OP_CB_RECALL, NfsStatus.NFS4ERR_BADHANDLE), 3);
        assertEquals(NfsStatus.NFS4_OK, r.sequenceStatus());
        assertArrayEquals(new int[] {0, NfsStatus.NFS4ERR_BADHANDLE}, r.recallStatuses(), "the third was not run");
        assertTrue(r.slotAdvanced());
    }

    @Test
    void aFailedCbSequenceRanNothing() {
        RecallReply r = CallbackClient.parse(reply(NfsStatus.NFS4ERR_DELAY, CallbackClient.OP_CB_SEQUENCE,
                NfsStatus.NFS4ERR_DELAY), 2);
        assertEquals(NfsStatus.NFS4ERR_DELAY, r.sequenceStatus());
        assertEquals(0, r.recallStatuses().length);
        assertEquals(false, r.slotAdvanced(), "DELAY: the same sequence id again");
        RecallReply empty = CallbackClient.parse(reply(NfsStatus.NFS4ERR_REQ_TOO_BIG), 2);
        assertEquals(NfsStatus.NFS4ERR_REQ_TOO_BIG, empty.sequenceStatus());
    }
}
