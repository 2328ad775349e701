package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.rpc.Credential;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * SECINFO (a named entry) and SECINFO_NO_NAME (4.1: the current or parent directory): the
 * security flavors the export takes, AUTH_SYS first. In 4.1 both consume the current handle.
 */
public final class SecInfo implements Operation<SecInfo.Arguments> {
    private static final int STYLE_CURRENT_FH = 0;
    private static final int STYLE_PARENT = 1;
    private final boolean noName;

    public SecInfo(boolean noName) {
        this.noName = noName;
    }

    /** SECINFO: the name; SECINFO_NO_NAME: the current directory or its parent. */
    record Arguments(String name, boolean parent) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        if (!noName) {
            return new Arguments(Args.component(in), false);
        }
        int style = in.readInt();
        if (style != STYLE_PARENT && style != STYLE_CURRENT_FH) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "secinfo style " + style);
        }
        return new Arguments(null, style == STYLE_PARENT);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        ExportFileSystem fs = ctx.services().fs();
        Node dir = ctx.current();
        if (args.name() != null) {
            fs.lookup(dir, args.name(), ctx.mayWait());
        } else if (args.parent()) {
            fs.parent(dir);
        }
        result.writeInt(2).writeInt(Credential.AUTH_SYS).writeInt(Credential.AUTH_NONE);
        if (ctx.minorVersion() > 0) {
            ctx.clearCurrent();
        }
    }

    /** Rare, and it looks the name up: always on a worker. */
    @Override
    public boolean executeInMemory(Arguments args, CompoundContext ctx, XdrEncoder result) {
        return false;
    }
}
