package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * BACKCHANNEL_CTL (4.1, RFC 8881 section 18.33): a new callback program and security for the
 * session's backchannel, used by the calls from then on.
 */
public final class BackchannelCtl implements Operation<BackchannelCtl.Arguments> {
    record Arguments(int program, Backchannel.Security security) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        int program = in.readInt();
        return new Arguments(program, Args.callbackSecurity(in));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ctx.sessionClient();
        ctx.session().back().configure(args.program(), args.security());
    }
}
