package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.xdr.XdrDecoder;

/** What LOCK, LOCKT and LOCKU share: lock types and range checks (RFC 8881 section 18.10). */
final class Locks {
    static final int READ_LT = 1;
    static final int WRITE_LT = 2;
    static final int READW_LT = 3;
    static final int WRITEW_LT = 4;

    private Locks() {
    }

    static int lockType(XdrDecoder args) throws NfsException {
        int t = args.readInt();
        if (t < READ_LT || t > WRITEW_LT) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "lock type " + t);
        }
        return t;
    }

    static boolean isWrite(int lockType) {
        return lockType == WRITE_LT || lockType == WRITEW_LT;
    }

    /** A zero length, or a range running past 2^64 - 1, is INVAL. */
    static void checkRange(long offset, long length) throws NfsException {
        if (length == 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "zero-length lock");
        }
        if (length != -1L && Long.compareUnsigned(offset + length, offset) < 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "lock range beyond 2^64");
        }
    }
}
