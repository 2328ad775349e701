package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.rpc.Credential;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.vfs.Attributes;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * ACCESS: which of the asked-for rights the caller has, from the mode bits and its AUTH_SYS
 * identity. Modify, extend and delete are never granted: the export is read-only.
 */
public final class Access implements Operation<Integer> {
    static final int READ = 0x01;
    static final int LOOKUP = 0x02;
    static final int MODIFY = 0x04;
    static final int EXTEND = 0x08;
    static final int DELETE = 0x10;
    static final int EXECUTE = 0x20;
    private static final int KNOWN = READ | LOOKUP | MODIFY | EXTEND | DELETE | EXECUTE;

    /** The access bits asked for. */
    @Override
    public Integer decode(XdrDecoder in) {
        return in.readInt();
    }

    @Override
    public void execute(Integer requested, CompoundContext ctx, XdrEncoder result) throws NfsException {
        Attributes a = ctx.services().fs().attributes(ctx.current());
        int supported = requested & KNOWN;
        result.writeInt(supported).writeInt(supported & granted(a, ctx.call().credential()));
    }

    static int granted(Attributes a, Credential c) {
        int perms = permissionBits(a, c);
        boolean dir = a.type() == FileType.DIRECTORY;
        int g = 0;
        if ((perms & 4) != 0) {
            g |= READ;
        }
        if ((perms & 1) != 0) {
            g |= dir ? LOOKUP : EXECUTE;
        }
        return g;
    }

    /** The rwx bits that apply to this caller; root reads everything and executes what anyone may. */
    private static int permissionBits(Attributes a, Credential c) {
        int mode = a.mode();
        if (c.uid() == 0) {
            boolean anyExec = (mode & 0111) != 0 || a.type() == FileType.DIRECTORY;
            return 4 | 2 | (anyExec ? 1 : 0);
        }
        if (c.uid() == a.uid()) {
            return (mode >> 6) & 7;
        }
        if (c.inGroup(a.gid())) {
            return (mode >> 3) & 7;
        }
        return mode & 7;
    }
}
