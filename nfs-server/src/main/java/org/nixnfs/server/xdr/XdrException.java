package org.nixnfs.server.xdr;

/** The bytes a peer sent do not decode as the XDR they claim to be (truncated, absurd length, ...). */
public final class XdrException extends RuntimeException {
    public XdrException(String message) {
        super(message, null, false, false);
    }
}
