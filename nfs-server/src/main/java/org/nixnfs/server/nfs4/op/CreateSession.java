package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * CREATE_SESSION (4.1): a session with negotiated fore-channel limits, bound to the connection
 * it came on. With CREATE_SESSION4_FLAG_CONN_BACK_CHAN that connection carries the backchannel
 * too (the server calls back only to recall delegations); sessions are not persistent.
 * A retransmission gets the cached reply, as its own one-slot sequence requires (RFC 8881
 * section 18.36.4), even when it arrives, over another connection, while the first copy is
 * still being served (see {@link StateManager#createSessionOnce}).
 */
public final class CreateSession implements Operation<CreateSession.Arguments> {
    static final int CONN_BACK_CHAN = 0x2;

    /** CREATE_SESSION4args; {@code security} is null when no flavor we can call back with was offered. */
    record Arguments(long clientId, int sequence, int flags, ChannelAttributes fore, ChannelAttributes back,
                     int callbackProgram, Backchannel.Security security) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        long clientId = in.readLong();
        int sequence = in.readInt();
        int flags = in.readInt();
        ChannelAttributes fore = ChannelAttributes.read(in);
        ChannelAttributes back = ChannelAttributes.read(in);
        int program = in.readInt();
        return new Arguments(clientId, sequence, flags, fore, back, program, Args.callbackSecurity(in));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        StateManager.checkCreateSession(args.flags(), args.fore());
        StateManager state = ctx.services().state();
        ClientRecord client = state.clientForCreateSession(args.clientId(), ctx.principal());
        StateManager.CreateSessionReply reply =
                state.createSessionOnce(client, args.sequence(), () -> newSession(args, client, ctx, result));
        if (reply.replay()) {
            result.writeFixedOpaque(reply.bytes());
        }
    }

    /** Makes the session, binds this connection to it and encodes the reply; returns the reply's bytes. */
    private static byte[] newSession(Arguments args, ClientRecord client, CompoundContext ctx, XdrEncoder result)
            throws NfsException {
        ChannelAttributes granted = args.fore().negotiate(ctx.services().limits().foreChannel());
        Session s = ctx.services().state().createSession(client, granted);
        ctx.bindConnection(s);
        s.back().configure(args.callbackProgram(), args.security());
        s.back().limits(args.back()); // granted as asked: our callbacks keep within them
        int flags = 0; // not persistent
        if ((args.flags() & CONN_BACK_CHAN) != 0) {
            ctx.bindBackchannel(s);
            flags |= CONN_BACK_CHAN;
        }
        long mark = result.mark();
        result.writeFixedOpaque(s.id()).writeInt(args.sequence()).writeInt(flags);
        granted.write(result);
        args.back().write(result);
        return result.copySince(mark);
    }
}
