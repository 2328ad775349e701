package org.nixnfs.server.nfs4;

import org.nixnfs.server.xdr.XdrEncoder;

/** An error whose result carries more than the status (e.g. LOCK4denied after NFS4ERR_DENIED). */
public interface DetailedError {
    void writeDetails(XdrEncoder out);
}
