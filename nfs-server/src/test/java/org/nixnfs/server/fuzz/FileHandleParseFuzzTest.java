package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandles;
import org.nixnfs.store.StorePath;

/** File handles are the client's to forge: parsing one must name a node or fail with BADHANDLE or STALE. */
class FileHandleParseFuzzTest {
    static final FileHandles HANDLES = new FileHandles(StorePath.STORE_DIR);

    @FuzzTest(maxDuration = "5s")
    void parse(byte[] fh) {
        try {
            HANDLES.parse(fh);
        } catch (NfsException e) {
            if (e.status() != NfsStatus.NFS4ERR_BADHANDLE && e.status() != NfsStatus.NFS4ERR_STALE) {
                throw new AssertionError("a bad handle must be BADHANDLE or STALE, was " + e.status());
            }
        }
    }
}
