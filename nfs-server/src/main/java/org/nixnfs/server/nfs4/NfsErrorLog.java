package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs an operation's NFS error by kind. A failed read of the disk (or any error with a cause) is the server's problem: a
 * warning, with its cause. NOENT on LOOKUP is the normal answer to a client searching a path
 * (executors probe many names): not logged at all. Anything else is what a client asked for and
 * was refused (ROFS, STALE, BAD_STATEID...): a debug line.
 */
final class NfsErrorLog {
    private static final Logger log = LoggerFactory.getLogger(NfsErrorLog.class);

    private NfsErrorLog() {
    }

    static void failed(String client, int opcode, NfsException e) {
        int status = e.status();
        boolean serversFault = e.getCause() != null
                || status == NfsStatus.NFS4ERR_IO || status == NfsStatus.NFS4ERR_SERVERFAULT;
        boolean searching = status == NfsStatus.NFS4ERR_NOENT && opcode == OpCode.LOOKUP;
        if (serversFault) {
            log.warn("{} {}: {}: {}", client, OpCode.name(opcode), NfsStatus.name(status), e.getMessage(), e.getCause());
        } else if (!searching) {
            log.debug("{} {}: {} ({})", client, OpCode.name(opcode), NfsStatus.name(status), e.getMessage());
        }
    }
}
