package org.nixnfs.server.nfs4.op;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;
import java.util.List;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.attr.Fattr;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * VERIFY and NVERIFY: compare the client's attribute values with ours, byte for byte in XDR.
 * VERIFY fails with NOT_SAME when they differ; NVERIFY fails with SAME when they match.
 */
public final class Verify implements Operation<Verify.Arguments> {
    private static final int MAX_ATTR_BYTES = 64 * 1024;
    private final boolean negated;

    public Verify(boolean negated) {
        this.negated = negated;
    }

    /** fattr4: which attributes, and their values as the client encoded them. */
    record Arguments(Bitmap attributes, byte[] values) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(Bitmap.read(in), in.readOpaque(MAX_ATTR_BYTES));
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Bitmap attrs = args.attributes();
        byte[] theirs = args.values();
        if (attrs.isSet(Fattr.RDATTR_ERROR)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "rdattr_error cannot be verified");
        }
        if (!attrs.subsetOf(Fattr.supported(ctx.minorVersion()))) {
            throw new NfsException(NfsStatus.NFS4ERR_ATTRNOTSUPP);
        }
        byte[] ours;
        try (XdrEncoder enc = new XdrEncoder(ByteBufAllocator.DEFAULT)) {
            ctx.services().attributes().writeValues(enc, attrs, ctx.minorVersion(), GetAttr.subject(ctx.services().fs(), ctx.current()));
            List<Object> parts = enc.finish();
            ByteBuf b = (ByteBuf) parts.get(0);
            ours = new byte[b.readableBytes()];
            b.readBytes(ours);
            b.release();
        }
        boolean same = Arrays.equals(ours, theirs);
        if (negated && same) {
            throw new NfsException(NfsStatus.NFS4ERR_SAME);
        }
        if (!negated && !same) {
            throw new NfsException(NfsStatus.NFS4ERR_NOT_SAME);
        }
    }
}
