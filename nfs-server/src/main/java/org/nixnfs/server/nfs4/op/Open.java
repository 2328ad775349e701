package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * OPEN for reading an existing file: by name (CLAIM_NULL), by handle (CLAIM_FH, 4.1) or as a
 * reclaim after a server restart (CLAIM_PREVIOUS). Creating, or asking for write access, is
 * NFS4ERR_ROFS. We never hand out delegations, so the delegation claims name nothing.
 */
public final class Open implements Operation {
    static final int SHARE_ACCESS_READ = 1;
    static final int SHARE_ACCESS_WRITE = 2;
    private static final int SHARE_ACCESS_MASK = 0xff;
    private static final int OPEN4_CREATE = 1;
    private static final int CLAIM_NULL = 0;
    private static final int CLAIM_PREVIOUS = 1;
    private static final int CLAIM_DELEGATE_CUR = 2;
    private static final int CLAIM_DELEGATE_PREV = 3;
    private static final int CLAIM_FH = 4;
    private static final int CLAIM_DELEG_CUR_FH = 5;
    private static final int CLAIM_DELEG_PREV_FH = 6;
    private static final int OPEN4_RESULT_LOCKTYPE_POSIX = 4;
    private static final int OPEN_DELEGATE_NONE = 0;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        args.readInt(); // open-owner seqid (4.0): replays are harmless on a read-only export
        int shareAccess = args.readInt();
        int shareDeny = args.readInt();
        long clientId = args.readLong();
        byte[] owner = args.readOpaque(Args.OPAQUE_LIMIT);
        if (args.readInt() == OPEN4_CREATE) {
            throw new NfsException(NfsStatus.NFS4ERR_ROFS, "OPEN with create");
        }
        int access = shareAccess & SHARE_ACCESS_MASK;
        if (access == 0 || access > 3 || shareDeny < 0 || shareDeny > 3) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "share access " + shareAccess + " deny " + shareDeny);
        }
        if ((access & SHARE_ACCESS_WRITE) != 0) {
            throw new NfsException(NfsStatus.NFS4ERR_ROFS, "OPEN for writing");
        }
        ClientRecord client = ctx.minorVersion() == 0 ? ctx.services().state().client(clientId) : ctx.sessionClient();

        ExportFileSystem fs = ctx.services().fs();
        Node dir = null;
        Node file;
        int claim = args.readInt();
        switch (claim) {
            case CLAIM_NULL -> {
                dir = ctx.current();
                String name = Args.component(args);
                if (fs.attributes(dir).type() != FileType.DIRECTORY) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
                }
                file = fs.lookup(dir, name);
            }
            case CLAIM_PREVIOUS -> {
                args.readInt(); // delegation type being reclaimed: we never granted one
                file = ctx.current();
                if (!ctx.services().state().inGrace() || client.reclaimComplete()) {
                    throw new NfsException(NfsStatus.NFS4ERR_NO_GRACE);
                }
            }
            case CLAIM_FH -> {
                requireMinor1(ctx, claim);
                file = ctx.current();
            }
            case CLAIM_DELEGATE_CUR, CLAIM_DELEG_CUR_FH -> {
                if (claim == CLAIM_DELEG_CUR_FH) {
                    requireMinor1(ctx, claim);
                }
                throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "no delegations are ever granted");
            }
            case CLAIM_DELEGATE_PREV, CLAIM_DELEG_PREV_FH ->
                throw new NfsException(NfsStatus.NFS4ERR_NOTSUPP, "no delegations to reclaim");
            default -> throw new NfsException(NfsStatus.NFS4ERR_INVAL, "open claim " + claim);
        }
        FileType type = fs.attributes(file).type();
        if (type == FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_ISDIR);
        }
        if (type == FileType.SYMLINK) {
            throw new NfsException(NfsStatus.NFS4ERR_SYMLINK);
        }
        if (type != FileType.REGULAR) {
            throw new NfsException(ctx.minorVersion() == 0 ? NfsStatus.NFS4ERR_INVAL : NfsStatus.NFS4ERR_WRONG_TYPE);
        }
        StateId stateId = ctx.services().state().opens().open(client, owner, file.handle(), file.storePathHash(),
                access, shareDeny);
        long dirChange = dir == null ? 0 : fs.attributes(dir).change();
        stateId.write(result);
        result.writeBoolean(true).writeLong(dirChange).writeLong(dirChange); // change_info4: nothing changed
        result.writeInt(OPEN4_RESULT_LOCKTYPE_POSIX);
        Bitmap.empty().write(result); // attrset: nothing was set
        result.writeInt(OPEN_DELEGATE_NONE);
        ctx.setCurrent(file);
        ctx.setCurrentStateId(stateId);
    }

    private static void requireMinor1(CompoundContext ctx, int claim) throws NfsException {
        if (ctx.minorVersion() == 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "open claim " + claim + " needs NFSv4.1");
        }
    }

    /** OPEN by name looks the name up; the file itself is only opened by READ. */
    @Override
    public boolean mayBlock(CompoundContext ctx, XdrDecoder args) throws NfsException {
        args.readInt(); // seqid
        args.readInt(); // share access
        args.readInt(); // share deny
        args.readLong(); // client id
        args.readOpaque(Args.OPAQUE_LIMIT); // owner
        if (args.readInt() == OPEN4_CREATE) {
            return false; // ROFS at once
        }
        return args.readInt() == CLAIM_NULL && !ctx.services().fs().isLookupCached(ctx.current(), Args.component(args));
    }
}
