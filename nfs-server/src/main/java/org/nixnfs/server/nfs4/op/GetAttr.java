package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.AttributeEncoder;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.attr.Fattr;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** GETATTR: the requested attributes we support, of the current file handle. */
public final class GetAttr implements Operation {
    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        Bitmap requested = Bitmap.read(args);
        if (requested.isSet(Fattr.TIME_ACCESS_SET) || requested.isSet(Fattr.TIME_MODIFY_SET)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "write-only attribute requested");
        }
        Node n = ctx.current();
        ctx.services().attributes().write(result, requested, ctx.minorVersion(), subject(ctx.services().fs(), n));
    }

    static AttributeEncoder.Subject subject(ExportFileSystem fs, Node n) throws NfsException {
        return new AttributeEncoder.Subject(n.handle(), fs.attributes(n), fs::fsStats);
    }
}
