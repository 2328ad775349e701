package org.nixnfs.server.vfs;

/**
 * What GETATTR reports about a node. Times are nanoseconds since the epoch. {@code change} is the
 * NFSv4 change attribute: constant for store content (it is immutable), and a fingerprint of the
 * set of valid paths for the store directory, so clients revalidate it exactly when that changes.
 */
public record Attributes(FileType type, int mode, int numLinks, int uid, int gid, long size, long spaceUsed,
                         long fileId, long accessTime, long modifyTime, long changeTime, long change) {
}
