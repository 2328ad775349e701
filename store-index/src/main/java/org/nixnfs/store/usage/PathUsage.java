package org.nixnfs.store.usage;

import java.util.Map;

/**
 * When a store path was last used over NFS, and by which executors.
 *
 * @param hashPart         the store path's hash part
 * @param lastAccessMillis last access, milliseconds since the epoch
 * @param clients          client address → its last access (milliseconds since the epoch)
 */
public record PathUsage(String hashPart, long lastAccessMillis, Map<String, Long> clients) {
    public PathUsage {
        clients = Map.copyOf(clients);
    }
}
