package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.SequenceReplay;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.SlotTable;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * SEQUENCE (4.1): first in every session COMPOUND. Checks the slot and sequence id (exactly once
 * semantics: a retransmission is answered from the replay cache), renews the lease. Its status
 * flags tell the client that its backchannel is gone or a callback on it went unanswered (it then
 * binds a connection again with BIND_CONN_TO_SESSION) and that a delegation of it was revoked (it then finds which with
 * TEST_STATEID and frees it).
 */
public final class Sequence implements Operation<Sequence.Arguments> {
    static final int SEQ4_STATUS_RECALLABLE_STATE_REVOKED = 0x40;
    static final int SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200;

    /** SEQUENCE4args; sa_highest_slotid is the client's own bookkeeping. */
    record Arguments(byte[] sessionId, int sequenceId, int slot, boolean cacheThis) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        byte[] sessionId = Args.sessionId(in);
        int sequenceId = in.readInt();
        int slot = in.readInt();
        in.readInt();
        return new Arguments(sessionId, sequenceId, slot, in.readBoolean());
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        byte[] sessionId = args.sessionId();
        int sequenceId = args.sequenceId();
        int slot = args.slot();
        boolean cacheThis = args.cacheThis();
        Session s = ctx.services().state().session(sessionId);
        if (Integer.compareUnsigned(ctx.requestSize(), s.fore().maxRequestSize()) > 0) {
            throw new NfsException(NfsStatus.NFS4ERR_REQ_TOO_BIG, ctx.requestSize() + " bytes, the session takes "
                    + Integer.toUnsignedString(s.fore().maxRequestSize()));
        }
        if (ctx.operationCount() > s.fore().maxOperations()) {
            throw new NfsException(NfsStatus.NFS4ERR_TOO_MANY_OPS);
        }
        SlotTable.Admission a = s.slots().admit(slot, sequenceId);
        if (a.replay()) {
            throw new SequenceReplay(a.cachedReply());
        }
        ctx.inSession(s, slot, cacheThis);
        ctx.bindConnection(s); // SP4_NONE: a SEQUENCE binds the connection it arrives on (RFC 8881 section 2.10.3.1)
        ctx.services().state().renew(s.client());
        int highest = s.slots().size() - 1;
        result.writeFixedOpaque(sessionId).writeInt(sequenceId).writeInt(slot)
                .writeInt(highest).writeInt(highest).writeInt(statusFlags(ctx, s));
    }

    private static int statusFlags(CompoundContext ctx, Session s) {
        int flags = 0;
        if (s.back().pathDown()) {
            flags |= SEQ4_STATUS_CB_PATH_DOWN_SESSION;
        }
        if (ctx.services().state().delegations().hasRevoked(s.client())) {
            flags |= SEQ4_STATUS_RECALLABLE_STATE_REVOKED;
        }
        return flags;
    }
}
