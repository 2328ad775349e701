package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.xdr.XdrEncoder;

/** PUTROOTFH and PUTPUBFH: the pseudo root "/"; the public handle is the root too. */
public final class PutRootFh implements Operation.WithoutArguments {
    @Override
    public void execute(Void args, CompoundContext ctx, XdrEncoder result) {
        ctx.setCurrent(ctx.services().fs().root());
    }
}
