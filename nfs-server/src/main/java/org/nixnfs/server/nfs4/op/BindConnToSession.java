package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * BIND_CONN_TO_SESSION (4.1, RFC 8881 section 18.34): binds the connection to the session's fore
 * channel, backchannel or both, as asked. Linux sends it after a reconnect, and when SEQUENCE
 * says the callback path is down, to get its backchannel back. The fore channel is always bound
 * (with SP4_NONE any SEQUENCE would bind it anyway); no RDMA.
 */
public final class BindConnToSession implements Operation<BindConnToSession.Arguments> {
    private static final int CDFC4_FORE = 0x1;
    private static final int CDFC4_BACK = 0x2;
    private static final int CDFC4_FORE_OR_BOTH = 0x3;
    private static final int CDFC4_BACK_OR_BOTH = 0x7;
    private static final int CDFS4_FORE = 0x1;
    private static final int CDFS4_BACK = 0x2;
    private static final int CDFS4_BOTH = 0x3;

    record Arguments(byte[] sessionId, int direction) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        byte[] sessionId = Args.sessionId(in);
        int direction = in.readInt();
        in.readBoolean(); // bctsa_use_conn_in_rdma_mode: no RDMA here
        if (direction != CDFC4_FORE && direction != CDFC4_BACK && direction != CDFC4_FORE_OR_BOTH
                && direction != CDFC4_BACK_OR_BOTH) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "channel direction " + direction);
        }
        return new Arguments(sessionId, direction);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Session s = ctx.services().state().session(args.sessionId());
        ctx.bindConnection(s);
        int bound = CDFS4_FORE;
        if (args.direction() != CDFC4_FORE) {
            ctx.bindBackchannel(s);
            bound = args.direction() == CDFC4_BACK ? CDFS4_BACK : CDFS4_BOTH;
        }
        result.writeFixedOpaque(args.sessionId()).writeInt(bound).writeBoolean(false);
    }
}
