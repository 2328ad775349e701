package org.nixnfs.server.vfs;

import org.nixnfs.server.status.NfsException;

/**
 * The read-only filesystem the NFS operations see: a pseudo tree from "/" down to the export,
 * then the store. Every method fails with an {@link NfsException} carrying the NFSv4 status a
 * client should get. Nothing here writes.
 */
public interface ExportFileSystem {
    /** The pseudo root "/" (PUTROOTFH). */
    Node root();

    /** The node a client's file handle names (PUTFH): BADHANDLE if malformed, STALE if gone. */
    Node resolve(FileHandle handle) throws NfsException;

    /** The entry {@code name} of directory {@code dir} (LOOKUP); never follows a symlink. */
    Node lookup(Node dir, String name) throws NfsException;

    /** The parent of {@code node} (LOOKUPP); NOENT at "/". */
    Node parent(Node node) throws NfsException;

    /** Current attributes; only the export root's ever change. */
    Attributes attributes(Node node) throws NfsException;

    /** The entries of a directory, in cookie order. */
    DirectoryListing list(Node dir) throws NfsException;

    /** The target text of a symlink, as stored; the server never follows it. */
    String readlink(Node node) throws NfsException;

    /** A retained reference to the open regular file; the caller releases it. */
    OpenFile open(Node node) throws NfsException;

    FsStats fsStats();

    // What is answered from memory: the rest may wait for the disk and runs off the event loop.

    /** Whether {@link #resolve} of this handle needs no disk access. */
    boolean isCached(FileHandle handle);

    /** Whether {@link #lookup} of this name needs no disk access. */
    boolean isLookupCached(Node dir, String name);

    /** Whether {@link #open} of this file needs no disk access. */
    boolean isOpenCached(Node file);

    /** Whether {@link #readlink} of this symlink needs no disk access. */
    boolean isLinkCached(Node link);

    /** The directory's listing if it is at hand without disk access, else null. */
    DirectoryListing cachedListing(Node dir);
}
