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
 */
public record ValidPath(StorePath path, long registrationTime, long narSize, List<StorePath> references,
                        StorePath deriver) {
    public ValidPath {
        references = List.copyOf(references);
    }

    /** A path without a recorded deriver. */
    public ValidPath(StorePath path, long registrationTime, long narSize, List<StorePath> references) {
        this(path, registrationTime, narSize, references, null);
    }
}
