package org.nixnfs.store;

import java.nio.file.Path;

/** There is no Nix database where one was expected: usually a wrong store root. */
public final class NixDatabaseNotFoundException extends NixDatabaseException {
    private final transient Path databaseFile;

    public NixDatabaseNotFoundException(Path storeRoot, Path databaseFile) {
        super("Nix database not found: " + databaseFile + " does not exist or is not a regular file"
                + " (is " + storeRoot + " the root of a Nix store, i.e. the directory that contains"
                + " nix/store and nix/var/nix/db? Use / for the system store)");
        this.databaseFile = databaseFile;
    }

    public Path databaseFile() {
        return databaseFile;
    }
}
