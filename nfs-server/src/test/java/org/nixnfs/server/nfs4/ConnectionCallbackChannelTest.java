package org.nixnfs.server.nfs4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsStatus;

/** A 4.0 client's CB_COMPOUND replies (no CB_SEQUENCE): the CB_RECALL results, up to the first that failed. */
class ConnectionCallbackChannelTest {
    private static ByteBuf reply(int status, int... opsAndStatuses) {
        ByteBuf b = Unpooled.buffer().writeInt(status).writeInt(0).writeInt(opsAndStatuses.length / 2);
        for (int v : opsAndStatuses) {
            b.writeInt(v);
        }
        return b;
    }

    @Test
    void recallResults() {
        RecallReply all = ConnectionCallbackChannel.parse(reply(0, 4, 0, 4, 0), 2);
        assertEquals(NfsStatus.NFS4_OK, all.sequenceStatus());
        assertArrayEquals(new int[] {0, 0}, all.recallStatuses());
        RecallReply stopped = ConnectionCallbackChannel.parse(reply(NfsStatus.NFS4ERR_BADHANDLE, 4, 0, 4,
                NfsStatus.NFS4ERR_BADHANDLE), 3);
        assertArrayEquals(new int[] {0, NfsStatus.NFS4ERR_BADHANDLE}, stopped.recallStatuses(), "the third not run");
    }

    @Test
    void aCallRejectedWholeOrMalformed() {
        assertEquals(NfsStatus.NFS4ERR_RESOURCE, ConnectionCallbackChannel.parse(reply(NfsStatus.NFS4ERR_RESOURCE), 2)
                .sequenceStatus());
        assertEquals(NfsStatus.NFS4ERR_SERVERFAULT, ConnectionCallbackChannel.parse(reply(0), 2).sequenceStatus());
        assertThrows(IllegalArgumentException.class, () -> ConnectionCallbackChannel.parse(reply(0, 11, 0), 1),
                "a result that is not CB_RECALL's");
        assertThrows(RuntimeException.class, () -> ConnectionCallbackChannel.parse(Unpooled.buffer().writeInt(0), 1));
    }
}
