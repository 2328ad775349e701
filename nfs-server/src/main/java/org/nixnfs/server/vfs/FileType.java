package org.nixnfs.server.vfs;

/** The nfs_ftype4 of a node; a Nix store holds only regular files, directories and symlinks. */
public enum FileType {
    REGULAR(1), DIRECTORY(2), BLOCK(3), CHARACTER(4), SYMLINK(5), SOCKET(6), FIFO(7);

    private final int nfsType;

    FileType(int nfsType) {
        this.nfsType = nfsType;
    }

    public int nfsType() {
        return nfsType;
    }
}
