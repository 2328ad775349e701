package org.nixnfs.server.vfs;

import java.nio.file.Path;

/**
 * A file, directory or symlink the export shows: a pseudo directory on the way to the export,
 * the export root (the store directory), or an object inside a valid store path.
 *
 * @param handle           its deterministic file handle
 * @param kind             which of the three it is
 * @param depth            for pseudo directories, the number of path components from "/"
 * @param hashPart         for store objects, the hash part of the store path that holds it
 * @param relPath          for store objects, the path inside the store path ("" for its root)
 * @param diskPath         where it lives on disk (null for pseudo directories)
 * @param attributes       its attributes, fixed for immutable nodes; null for the export root,
 *                         whose attributes follow the index
 * @param registrationTime for store objects, when the holding store path was registered; a node
 *                         cached under an older registration is stale
 */
public record Node(FileHandle handle, Kind kind, int depth, String hashPart, String relPath, Path diskPath,
                   Attributes attributes, long registrationTime) {

    public enum Kind { PSEUDO, EXPORT_ROOT, STORE_OBJECT }

    /** The store path this node belongs to, or null for pseudo directories and the export root. */
    public String storePathHash() {
        return kind == Kind.STORE_OBJECT ? hashPart : null;
    }

    public boolean isStorePathRoot() {
        return kind == Kind.STORE_OBJECT && relPath.isEmpty();
    }
}
