package org.nixnfs.store;

import java.util.List;

/**
 * One row of the Nix database's {@code ValidPaths} table that the export cares about.
 *
 * @param path             the store path
 * @param registrationTime seconds since the epoch when Nix registered the path
 * @param narSize          size of the path's NAR serialisation in bytes (0 if unknown)
 * @param references       store paths this path refers to (may include itself)
 * @param deriver          the derivation (.drv) that built it, if Nix recorded one (may not be valid);
 *                         Nix's GC keeps the derivers of live paths, so ours must know them
 * @param registrationId   the row's id: Nix's ids are AUTOINCREMENT, never reused, so a path
 *                         deleted and registered again gets a new one, even within the same second
 *                         (which {@code registrationTime} cannot tell apart); 0 for a path not
 *                         read from a database
 */
public record ValidPath(StorePath path, long registrationTime, long narSize, List<StorePath> references,
                        StorePath deriver, long registrationId) {
    public ValidPath {
        references = List.copyOf(references);
    }

    /** A path not read from a database (tests, synthetic indexes): told apart by its registration time only. */
    public ValidPath(StorePath path, long registrationTime, long narSize, List<StorePath> references,
                     StorePath deriver) {
        this(path, registrationTime, narSize, references, deriver, 0);
    }

    /** A path without a recorded deriver, not read from a database. */
    public ValidPath(StorePath path, long registrationTime, long narSize, List<StorePath> references) {
        this(path, registrationTime, narSize, references, null, 0);
    }

    /**
     * This registration of the path: what was read from the path's files under one registration
     * holds for exactly as long as it is equal (a path registered again may have other content).
     */
    public Registration registration() {
        return new Registration(registrationId, registrationTime);
    }

    /** One registration of a store path: its row id, and its time for paths without one. */
    public record Registration(long id, long time) {
    }
}
