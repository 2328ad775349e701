package org.nixnfs.server.status;

/**
 * Ends an operation with an nfsstat4 other than NFS4_OK; the COMPOUND stops there. Without a
 * cause it carries no stack trace: most are answers (NOENT, STALE), not faults.
 */
public class NfsException extends Exception {
    private final int status;

    public NfsException(int status) {
        this(status, NfsStatus.name(status));
    }

    public NfsException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** An error caused by another (an I/O failure behind NFS4ERR_IO): the cause is kept for the log. */
    public NfsException(int status, String message, Throwable cause) {
        super(message, cause, false, true);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
