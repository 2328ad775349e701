package org.nixnfs.server.nfs4;

/** Ends an operation with an nfsstat4 other than NFS4_OK; the COMPOUND stops there. */
public class NfsException extends Exception {
    private final int status;

    public NfsException(int status) {
        this(status, NfsStatus.name(status));
    }

    public NfsException(int status, String message) {
        this(status, message, null);
    }

    /** @param cause what went wrong underneath (an I/O error, say), kept for the log */
    public NfsException(int status, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
