package org.nixnfs.server.vfs;

import java.util.List;
import java.util.Optional;

/**
 * The directories from "/" down to the export, held in memory: for the export path
 * {@code /nix/store}, "/" and "nix", then the export root (the store directory). Each has one
 * entry, the next component; they take their times from the store directory.
 */
final class PseudoTree {
    private final List<String> components;
    private final Node.Pseudo[] dirs;
    private final Node.ExportRoot exportRoot;

    /**
     * @param components    the export path's components ({@code [nix, store]}); none when "/" is exported
     * @param storeDirAttrs the store directory's attributes on disk
     */
    PseudoTree(List<String> components, FileHandles handles, Attributes storeDirAttrs) {
        this.components = List.copyOf(components);
        this.dirs = new Node.Pseudo[components.size()];
        for (int d = 0; d < dirs.length; d++) {
            Attributes a = new Attributes(FileType.DIRECTORY, 0555, 2, 0, 0, 4096, 4096, fileId(d),
                    storeDirAttrs.modifyTime(), storeDirAttrs.modifyTime(), storeDirAttrs.changeTime(), 1);
            dirs[d] = new Node.Pseudo(handles.pseudo(d), d, a);
        }
        this.exportRoot = new Node.ExportRoot(handles.exportRoot());
    }

    /** The file id of the pseudo directory at this depth, and of the export root at the export's depth. */
    static long fileId(int depth) {
        return depth + 1L;
    }

    /** "/", which is the export root itself when "/" is exported. */
    Node root() {
        return dirs.length > 0 ? dirs[0] : exportRoot;
    }

    Node.ExportRoot exportRoot() {
        return exportRoot;
    }

    /** The pseudo directory a handle names; empty if there is none at that depth. */
    Optional<Node.Pseudo> at(int depth) {
        return depth >= 0 && depth < dirs.length ? Optional.of(dirs[depth]) : Optional.empty();
    }

    /** The one entry of a pseudo directory: the next one, or the export root. */
    Optional<Node> lookup(Node.Pseudo dir, String name) {
        if (!components.get(dir.depth()).equals(name)) {
            return Optional.empty();
        }
        return Optional.of(dir.depth() + 1 < dirs.length ? dirs[dir.depth() + 1] : exportRoot);
    }

    /** The directory above; empty at "/". */
    Optional<Node> parent(Node.Pseudo dir) {
        return dir.depth() == 0 ? Optional.empty() : Optional.of(dirs[dir.depth() - 1]);
    }

    /** The directory above the export root; empty when the export root is "/". */
    Optional<Node> parentOfExportRoot() {
        return dirs.length == 0 ? Optional.empty() : Optional.of(dirs[dirs.length - 1]);
    }

    DirectoryListing list(Node.Pseudo dir) {
        return DirectoryListing.positional(List.of(components.get(dir.depth())));
    }
}
