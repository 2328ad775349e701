package org.nixnfs.server.nfs4;

import org.nixnfs.server.rpc.ThrottledWarnings;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs an operation's NFS error by kind. Only the server's own faults reach an operator's log at
 * the default level: whatever a client can cause at will, it could repeat on every request, so it
 * is at most a debug line. Every error is counted by status in {@code nixnfs_nfs_operation_errors_total}
 * anyway, which is where an operator sees a client misbehave. Even a fault is logged at most once
 * per 10 s, with its cause and the count of those left out: a failing disk under an executor
 * retrying its READs would otherwise write a stack trace per request.
 */
final class NfsErrorLog {
    private static final Logger log = LoggerFactory.getLogger(NfsErrorLog.class);
    private static final ThrottledWarnings faults = new ThrottledWarnings(log, "server faults");

    /** The kinds of error, each with its level. */
    enum Kind {
        /** The disk failed (or any error with a cause): the server's problem, a warning with its cause. */
        SERVERS_FAULT,
        /**
         * NOENT on LOOKUP or OPEN: a client searching a path, not logged at all. Executors probe many
         * names (a compiler's include path, the loader's library path), and Linux sends an open() of
         * a name it has not looked up as an OPEN.
         */
        SEARCH,
        /**
         * What a client asked for and was refused (ROFS, STALE, BAD_STATEID...), including
         * arguments it sent undecodable (BADXDR): a debug line.
         */
        REFUSED
    }

    private NfsErrorLog() {
    }

    static Kind kindOf(int opcode, NfsException e) {
        int status = e.status();
        if (e.getCause() != null || status == NfsStatus.NFS4ERR_IO || status == NfsStatus.NFS4ERR_SERVERFAULT) {
            return Kind.SERVERS_FAULT;
        }
        if (status == NfsStatus.NFS4ERR_NOENT && (opcode == OpCode.LOOKUP || opcode == OpCode.OPEN)) {
            return Kind.SEARCH;
        }
        return Kind.REFUSED;
    }

    static void failed(String client, int opcode, NfsException e) {
        failed(faults, log, client, opcode, e);
    }

    /** {@link #failed(String, int, NfsException)} to a given logger and throttle, for the tests. */
    static void failed(ThrottledWarnings faults, Logger to, String client, int opcode, NfsException e) {
        String status = NfsStatus.name(e.status());
        switch (kindOf(opcode, e)) {
            case SERVERS_FAULT -> faults.warn("{} {}: {}: {}", client, OpCode.name(opcode), status, e.getMessage(),
                    e.getCause());
            case SEARCH -> {
            }
            case REFUSED -> to.debug("{} {}: {} ({})", client, OpCode.name(opcode), status, e.getMessage());
        }
    }
}
