package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * EXCHANGE_ID (4.1): the client introduces itself and gets a client id. We offer no state
 * protection (SP4_NONE; SSV is refused) and no pNFS.
 */
public final class ExchangeId implements Operation<ExchangeId.Arguments> {
    private static final int SP4_NONE = 0;
    private static final int SP4_MACH_CRED = 1;
    private static final int EXCHGID4_FLAG_USE_NON_PNFS = 0x00010000;
    private static final int EXCHGID4_FLAG_CONFIRMED_R = 0x80000000;
    private static final int MAX_IMPL_STRING = 1024;
    private static final int MAX_IMPL_IDS = 1;

    /** EXCHANGE_ID4args; the client's implementation id is read past. */
    record Arguments(byte[] verifier, byte[] ownerId, int flags) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        byte[] verifier = Args.verifier(in);
        byte[] ownerId = in.readOpaque(Args.OPAQUE_LIMIT);
        int flags = in.readInt();
        int protect = in.readInt();
        if (protect == SP4_MACH_CRED) {
            Bitmap.read(in); // spo_must_enforce
            Bitmap.read(in); // spo_must_allow
        } else if (protect != SP4_NONE) {
            throw new NfsException(NfsStatus.NFS4ERR_ENCR_ALG_UNSUPP, "SSV state protection is not offered");
        }
        int implIds = in.readArrayLength(MAX_IMPL_IDS, 16);
        for (int i = 0; i < implIds; i++) {
            in.readString(MAX_IMPL_STRING); // nii_domain
            in.readString(MAX_IMPL_STRING); // nii_name
            in.readLong(); // nii_date
            in.readInt();
        }
        return new Arguments(verifier, ownerId, flags);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ClientRecord c = ctx.services().state().exchangeId(args.ownerId(), args.verifier(), args.flags(),
                ctx.principal(), ctx.minorVersion(), ctx.call().clientAddress());
        result.writeLong(c.clientId());
        result.writeInt(ctx.services().state().createSessionSequence(c));
        result.writeInt(EXCHGID4_FLAG_USE_NON_PNFS | (c.confirmed() ? EXCHGID4_FLAG_CONFIRMED_R : 0));
        result.writeInt(SP4_NONE);
        result.writeLong(0); // so_minor_id
        result.writeOpaque(ctx.services().serverOwner()); // so_major_id
        result.writeOpaque(ctx.services().serverOwner()); // server scope
        result.writeInt(1); // one nfs_impl_id4
        result.writeString("nixnfs.org").writeString("nixnfs 0.1.0").writeLong(0).writeInt(0);
    }
}
