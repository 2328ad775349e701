package org.nixnfs.server.vfs;

import java.nio.file.Path;
import org.nixnfs.store.ValidPath;

/**
 * A file, directory or symlink the export shows: one record per kind. Java 17 has no switch over
 * types, so each node also names its {@link Kind}: a {@code switch} expression over it is checked
 * for exhaustiveness, and a new kind is a compile error wherever nodes are told apart.
 */
public sealed interface Node {
    /** The kinds of node. The ordinal is the kind byte of a file handle: never reorder. */
    enum Kind { PSEUDO, EXPORT_ROOT, STORE_OBJECT }

    /** Its deterministic file handle. */
    FileHandle handle();

    Kind kind();

    /** The hash part of the store path this node is in; null for the pseudo tree and the export root. */
    default String storePathHash() {
        return null;
    }

    /**
     * A directory on the way from "/" to the export (for {@code /nix/store}: "/" and "nix").
     *
     * @param depth path components from "/" (0 for "/")
     */
    record Pseudo(FileHandle handle, int depth, Attributes attributes) implements Node {
        @Override
        public Kind kind() {
            return Kind.PSEUDO;
        }
    }

    /** The export root: the store directory, whose entries are the valid store paths. */
    record ExportRoot(FileHandle handle) implements Node {
        @Override
        public Kind kind() {
            return Kind.EXPORT_ROOT;
        }
    }

    /**
     * A store path, or a file, directory or symlink inside one.
     *
     * @param hashPart         the hash part of the store path that holds it
     * @param relPath          the path inside the store path ("" for the store path itself)
     * @param diskPath         where it is on disk
     * @param attributes       its attributes, fixed: store content is immutable
     * @param registration     the registration of the holding store path it was read under;
     *                         whatever was read under another registration is stale
     */
    record StoreObject(FileHandle handle, String hashPart, String relPath, Path diskPath, Attributes attributes,
                       ValidPath.Registration registration) implements Node {
        @Override
        public Kind kind() {
            return Kind.STORE_OBJECT;
        }

        @Override
        public String storePathHash() {
            return hashPart;
        }

        public FileType type() {
            return attributes.type();
        }
    }
}
