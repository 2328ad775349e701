package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.xdr.XdrDecoder;

/** Decoding helpers for argument types several operations share. */
final class Args {
    /** Generous for a component name; {@link org.nixnfs.server.vfs.Names} enforces the real limit. */
    private static final int MAX_COMPONENT = 4096;
    /** Owner ids, client ids: opaque&lt;NFS4_OPAQUE_LIMIT&gt;. */
    static final int OPAQUE_LIMIT = 1024;

    private Args() {
    }

    static String component(XdrDecoder in) {
        return in.readString(MAX_COMPONENT);
    }

    /** An nfs_fh4; a handle longer than NFS4_FHSIZE is BADHANDLE, not garbage. */
    static FileHandle fileHandle(XdrDecoder in) throws NfsException {
        byte[] b = in.readOpaque(MAX_COMPONENT);
        if (b.length == 0 || b.length > FileHandle.MAX_SIZE) {
            throw new NfsException(NfsStatus.NFS4ERR_BADHANDLE, "file handle of " + b.length + " bytes");
        }
        return new FileHandle(b);
    }

    static byte[] verifier(XdrDecoder in) {
        return in.readFixedOpaque(8);
    }
}
