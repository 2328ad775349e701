package org.nixnfs.store;

/**
 * Maps a hash part to a position in a {@code ValidPath[]}: an open-addressing table of ints, so a
 * lookup structure for 100,000 paths costs one int array (1 MiB) rather than a HashMap's entry and
 * boxed-Integer objects per path.
 */
final class HashPartTable {
    private final ValidPath[] paths;
    /** position + 1 of the path in that slot; 0 means empty. */
    private final int[] slots;
    private final int mask;

    /** @param paths paths with pairwise distinct hash parts (the caller guarantees it) */
    HashPartTable(ValidPath[] paths) {
        this(paths, new int[capacityFor(paths.length)], 0);
    }

    private HashPartTable(ValidPath[] paths, int[] slots, int alreadyInserted) {
        this.paths = paths;
        this.slots = slots;
        this.mask = slots.length - 1;
        for (int i = alreadyInserted; i < paths.length; i++) {
            int s = slotFor(paths[i].path().hashPart());
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = i + 1;
        }
    }

    /**
     * The table for {@code paths}, whose first entries are exactly this table's paths and the rest
     * new (distinct hash parts again): copies the slots and inserts only the new paths, unless the
     * table must grow.
     */
    HashPartTable extend(ValidPath[] paths) {
        if (capacityFor(paths.length) > slots.length) {
            return new HashPartTable(paths);
        }
        return new HashPartTable(paths, slots.clone(), this.paths.length);
    }

    /** At most half full, so probe sequences stay short. */
    private static int capacityFor(int n) {
        return Integer.highestOneBit(Math.max(4, n * 2 - 1)) << 1;
    }

    /** The position of the path with this hash part, or -1. */
    int find(String hashPart) {
        if (hashPart == null) {
            return -1;
        }
        int s = slotFor(hashPart);
        int v;
        while ((v = slots[s]) != 0) {
            if (paths[v - 1].path().hashPart().equals(hashPart)) {
                return v - 1;
            }
            s = (s + 1) & mask;
        }
        return -1;
    }

    /** The position of exactly this store path (hash part and name), or -1. */
    int find(StorePath path) {
        int i = find(path.hashPart());
        return i >= 0 && paths[i].path().equals(path) ? i : -1;
    }

    private int slotFor(String hashPart) {
        // String.hashCode is cached in the String; spread it because linear probing wants
        // well-mixed low bits.
        int h = hashPart.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
