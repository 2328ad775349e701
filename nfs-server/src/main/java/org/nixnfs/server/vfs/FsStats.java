package org.nixnfs.server.vfs;

/** Space figures of the filesystem holding the store, in bytes. */
public record FsStats(long total, long free, long available) {
}
