package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * CREATE_SESSION (4.1): a session with negotiated fore-channel limits. No back channel is
 * created (we never call back) and sessions are not persistent. A retransmission gets the cached
 * reply, as its own one-slot sequence requires (RFC 8881 section 18.36.4).
 */
public final class CreateSession implements Operation {
    private static final int AUTH_SYS = 1;
    private static final int RPCSEC_GSS = 6;
    private static final int MAX_SEC_PARMS = 16;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        long clientId = args.readLong();
        int sequence = args.readInt();
        args.readInt(); // flags: we grant neither persistence nor a back channel
        ChannelAttributes fore = ChannelAttributes.read(args);
        ChannelAttributes back = ChannelAttributes.read(args);
        args.readInt(); // cb_program
        skipCallbackSecurity(args);

        StateManager state = ctx.services().state();
        ClientRecord client = state.clientForCreateSession(clientId);
        if (!state.admitCreateSession(client, sequence)) {
            result.writeFixedOpaque(state.cachedCreateSessionReply(client));
            return;
        }
        ChannelAttributes granted = fore.negotiate(ctx.services().limits().foreChannel());
        Session s = state.createSession(client, granted);
        long mark = result.mark();
        result.writeFixedOpaque(s.id()).writeInt(sequence).writeInt(0);
        granted.write(result);
        back.write(result);
        state.createSessionDone(client, sequence, result.copySince(mark));
    }

    private static void skipCallbackSecurity(XdrDecoder args) throws NfsException {
        int n = args.readArrayLength(MAX_SEC_PARMS, 4);
        for (int i = 0; i < n; i++) {
            int flavor = args.readInt();
            if (flavor == AUTH_SYS) {
                args.readInt();
                args.readString(255);
                args.readInt();
                args.readInt();
                int groups = args.readArrayLength(16, 4);
                for (int g = 0; g < groups; g++) {
                    args.readInt();
                }
            } else if (flavor == RPCSEC_GSS) {
                args.readInt();
                args.readOpaque(Args.OPAQUE_LIMIT);
                args.readOpaque(Args.OPAQUE_LIMIT);
            } else if (flavor != 0) {
                throw new NfsException(NfsStatus.NFS4ERR_INVAL, "callback security flavor " + flavor);
            }
        }
    }
}
