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
public final class GetAttr implements Operation<Bitmap> {
    /** The attributes asked for; the write-only ones cannot be read (INVAL). */
    @Override
    public Bitmap decode(XdrDecoder in) throws NfsException {
        return readable(Bitmap.read(in));
    }

    static Bitmap readable(Bitmap requested) throws NfsException {
        if (requested.isSet(Fattr.TIME_ACCESS_SET) || requested.isSet(Fattr.TIME_MODIFY_SET)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "write-only attribute requested");
        }
        return requested;
    }

    @Override
    public void execute(Bitmap requested, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Node n = ctx.current();
        ctx.services().attributes().write(result, requested, ctx.minorVersion(), subject(ctx.services().fs(), n));
    }

    static AttributeEncoder.Subject subject(ExportFileSystem fs, Node n) throws NfsException {
        return new AttributeEncoder.Subject(n.handle(), fs.attributes(n), fs::fsStats);
    }
}
