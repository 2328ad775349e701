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
public final class SecInfo implements Operation {
    private static final int STYLE_CURRENT_FH = 0;
    private static final int STYLE_PARENT = 1;
    private final boolean noName;

    public SecInfo(boolean noName) {
        this.noName = noName;
    }

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        ExportFileSystem fs = ctx.services().fs();
        Node dir = ctx.current();
        if (noName) {
            int style = args.readInt();
            if (style == STYLE_PARENT) {
                fs.parent(dir);
            } else if (style != STYLE_CURRENT_FH) {
                throw new NfsException(NfsStatus.NFS4ERR_INVAL, "secinfo style " + style);
            }
        } else {
            fs.lookup(dir, Args.component(args));
        }
        result.writeInt(2).writeInt(Credential.AUTH_SYS).writeInt(Credential.AUTH_NONE);
        if (ctx.minorVersion() > 0) {
            ctx.clearCurrent();
        }
    }

    /** Rare, and it looks the name up. */
    @Override
    public boolean mayBlock(CompoundContext ctx, XdrDecoder args) {
        return true;
    }
}
