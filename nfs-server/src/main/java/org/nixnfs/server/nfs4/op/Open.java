package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.state.ClientCallback;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Delegation;
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
 * reclaim (CLAIM_PREVIOUS) after a server restart or a move to another replica, granted at any
 * time (see StateManager.checkReclaim). Creating, or asking for write access, is
 * NFS4ERR_ROFS.
 *
 * <p><b>Read delegations.</b> CLAIM_NULL and CLAIM_FH opens of a file in a store path get
 * OPEN_DELEGATE_READ, over a 4.1/4.2 session whose backchannel can carry a recall, or for a
 * 4.0 client whose callback connection was made and answered CB_NULL (see SetClientId), unless
 * delegations are off, the client holds one on the file already, GC is recalling the path, or a
 * limit is reached: then simply none (OPEN_DELEGATE_NONE, or NONE_EXT with a reason to a
 * client that said what it wants). A 4.0 client the server cannot connect to (behind NAT or
 * user-mode networking) gets none. A client opening a file it holds delegated (on a recall) uses
 * CLAIM_DELEGATE_CUR / CLAIM_DELEG_CUR_FH with the delegation's stateid.
 *
 * <p><b>No reclaim of delegations.</b> After a restart every delegation stateid is stale; a
 * CLAIM_PREVIOUS that names a delegation type gets its open but no delegation (whether an OPEN
 * gets one is always the server's choice), and CLAIM_DELEGATE_PREV, which is optional, is
 * NOTSUPP. A read delegation holds no data the server needs back, so the client loses nothing:
 * it keeps its opens and gets new delegations on its next OPENs (KernelClientTest's restart
 * check, with 4.2 and 4.1 mounts holding delegations, sees no error).
 */
public final class Open implements Operation<Open.Arguments> {
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
    private static final int OPEN_DELEGATE_READ = 1;
    private static final int OPEN_DELEGATE_NONE_EXT = 3;
    private static final int SHARE_WANT_MASK = 0xff00;
    private static final int SHARE_WANT_NO_DELEG = 0x0400;
    private static final int SHARE_WANT_CANCEL = 0x0500;
    private static final int WND4_NOT_WANTED = 0;
    private static final int WND4_RESOURCE = 2;
    private static final int WND4_CANCELLED = 7;
    private static final int ACE4_ACCESS_ALLOWED_ACE_TYPE = 0;

    /**
     * OPEN4args for reading: the share bits, the open-owner and the claim, with the name for the
     * claims by name. The 4.0 seqid is not checked: replays are harmless on a read-only export.
     * Creating, or asking for write access, is ROFS before anything else.
     */
    record Arguments(int access, int want, int deny, long clientId, byte[] owner, int claim, String name,
                     StateId delegation) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        in.readInt(); // seqid
        int shareAccess = in.readInt();
        int shareDeny = in.readInt();
        long clientId = in.readLong();
        byte[] owner = in.readOpaque(Args.OPAQUE_LIMIT);
        if (in.readInt() == OPEN4_CREATE) {
            throw new NfsException(NfsStatus.NFS4ERR_ROFS, "OPEN with create");
        }
        int access = shareAccess & SHARE_ACCESS_MASK;
        if (access == 0 || access > 3 || shareDeny < 0 || shareDeny > 3) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "share access " + shareAccess + " deny " + shareDeny);
        }
        if ((access & SHARE_ACCESS_WRITE) != 0) {
            throw new NfsException(NfsStatus.NFS4ERR_ROFS, "OPEN for writing");
        }
        int claim = in.readInt();
        StateId delegation = null;
        String name = switch (claim) {
            case CLAIM_NULL, CLAIM_DELEGATE_PREV -> Args.component(in);
            case CLAIM_PREVIOUS -> {
                in.readInt(); // the delegation type being reclaimed: read delegations are not reclaimed
                yield null;
            }
            case CLAIM_DELEGATE_CUR -> {
                delegation = StateId.read(in);
                yield Args.component(in);
            }
            case CLAIM_DELEG_CUR_FH -> {
                delegation = StateId.read(in);
                yield null;
            }
            case CLAIM_FH, CLAIM_DELEG_PREV_FH -> null;
            default -> throw new NfsException(NfsStatus.NFS4ERR_INVAL, "open claim " + claim);
        };
        return new Arguments(access, shareAccess & SHARE_WANT_MASK, shareDeny, clientId, owner, claim, name,
                delegation);
    }

    /**
     * OPEN by name looks the name up, from the lookup cache on the event loop; the file itself is
     * only opened by READ. One look: the node found is the one opened.
     */
    @Override
    public boolean executeInMemory(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        return open(args, ctx, result, false);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        open(args, ctx, result, true);
    }

    /**
     * @param mayReadDisk whether a name may be looked up on disk here; if not, and it is not in
     *                    the lookup cache, nothing is changed or written and the answer is false
     *                    (what comes before the lookup only reads state, or renews the lease)
     */
    private static boolean open(Arguments args, CompoundContext ctx, XdrEncoder result, boolean mayReadDisk)
            throws NfsException {
        ClientRecord client = ctx.minorVersion() == 0 ? ctx.services().state().client(args.clientId())
                : ctx.sessionClient();
        int claim = args.claim();
        ExportFileSystem fs = ctx.services().fs();
        Node dir = null;
        Node file;
        switch (claim) {
            case CLAIM_NULL -> {
                dir = ctx.current();
                if (fs.attributes(dir).type() != FileType.DIRECTORY) {
                    throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
                }
                file = mayReadDisk ? fs.lookup(dir, args.name(), ctx.mayWait()) : fs.lookupInMemory(dir, args.name());
                if (file == null) {
                    return false;
                }
            }
            case CLAIM_PREVIOUS -> {
                file = ctx.current();
                ctx.services().state().checkReclaim(client);
            }
            case CLAIM_FH -> {
                requireMinor1(ctx, claim);
                file = ctx.current();
            }
            case CLAIM_DELEGATE_CUR, CLAIM_DELEG_CUR_FH -> {
                if (claim == CLAIM_DELEG_CUR_FH) {
                    requireMinor1(ctx, claim);
                    file = ctx.current();
                } else {
                    dir = ctx.current();
                    if (fs.attributes(dir).type() != FileType.DIRECTORY) {
                        throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
                    }
                    file = fs.lookup(dir, args.name());
                }
                Delegation d = ctx.services().state().delegation(ctx.resolveStateId(args.delegation()), ctx.minorVersion());
                if (d.client() != client || !d.file().equals(file.handle())) {
                    throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "not this client's delegation of this file");
                }
                if (d.revoked()) {
                    throw new NfsException(NfsStatus.NFS4ERR_DELEG_REVOKED, "the delegation was revoked");
                }
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
        StateId stateId = ctx.services().state().opens().open(client, args.owner(), file.handle(),
                file.storePathHash(), args.access(), args.deny());
        long dirChange = dir == null ? 0 : fs.attributes(dir).change();
        stateId.write(result);
        result.writeBoolean(true).writeLong(dirChange).writeLong(dirChange); // change_info4: nothing changed
        result.writeInt(OPEN4_RESULT_LOCKTYPE_POSIX);
        Bitmap.empty().write(result); // attrset: nothing was set
        writeDelegation(args, ctx, client, file, result);
        ctx.setCurrent(file);
        ctx.setCurrentStateId(stateId);
        return true;
    }

    /** open_delegation4: a read delegation where one may be granted (see the class comment), else none. */
    private static void writeDelegation(Arguments args, CompoundContext ctx, ClientRecord client, Node file,
                                        XdrEncoder result) {
        int claim = args.claim();
        boolean mayDelegate = claim == CLAIM_NULL || claim == CLAIM_FH;
        int want = ctx.minorVersion() == 0 ? 0 : args.want(); // 4.0 has no "want" bits, nor NONE_EXT
        if (!mayDelegate || file.storePathHash() == null) {
            result.writeInt(OPEN_DELEGATE_NONE);
            return;
        }
        if (want == SHARE_WANT_NO_DELEG || want == SHARE_WANT_CANCEL) {
            result.writeInt(OPEN_DELEGATE_NONE_EXT).writeInt(want == SHARE_WANT_NO_DELEG ? WND4_NOT_WANTED
                    : WND4_CANCELLED);
            return;
        }
        Delegation d = null;
        if (ctx.services().delegations() && callbackUsable(ctx, client)) {
            d = ctx.services().state().delegations().grant(client, file.handle(), file.storePathHash());
        }
        if (d == null) {
            if (want != 0) {
                result.writeInt(OPEN_DELEGATE_NONE_EXT).writeInt(WND4_RESOURCE).writeBoolean(false);
            } else {
                result.writeInt(OPEN_DELEGATE_NONE);
            }
            return;
        }
        result.writeInt(OPEN_DELEGATE_READ);
        d.stateId().write(result);
        result.writeBoolean(false); // recall: not now
        // permissions: an empty ACE, as knfsd sends: the client asks ACCESS itself.
        result.writeInt(ACE4_ACCESS_ALLOWED_ACE_TYPE).writeInt(0).writeInt(0).writeString("");
    }

    /** Whether a recall could reach the client now: its session's backchannel, or its 4.0 callback connection. */
    private static boolean callbackUsable(CompoundContext ctx, ClientRecord client) {
        if (ctx.minorVersion() > 0) {
            return ctx.session().back().usable();
        }
        ClientCallback cb = client.callback();
        return ctx.services().callbacks40() != null && cb != null && cb.up();
    }

    private static void requireMinor1(CompoundContext ctx, int claim) throws NfsException {
        if (ctx.minorVersion() == 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "open claim " + claim + " needs NFSv4.1");
        }
    }
}
