package org.nixnfs.store;

import java.io.IOException;

/** The Nix database could not be read (unreadable, locked past the busy timeout, corrupt, not a Nix database). */
public class NixDatabaseException extends IOException {
    public NixDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    public NixDatabaseException(String message) {
        super(message);
    }
}
