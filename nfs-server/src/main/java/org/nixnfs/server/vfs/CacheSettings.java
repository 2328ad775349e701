package org.nixnfs.server.vfs;

/**
 * Bounds of the metadata caches in front of the disk.
 *
 * @param nodes        handle → node (attributes included)
 * @param lookups      (directory, name) → node, negative results included
 * @param listingEntries total directory entries held in cached listings
 * @param openFiles    open file channels kept for READ
 */
public record CacheSettings(long nodes, long lookups, long listingEntries, long openFiles) {
    public static CacheSettings defaults() {
        return new CacheSettings(500_000, 500_000, 2_000_000, 16_384);
    }
}
