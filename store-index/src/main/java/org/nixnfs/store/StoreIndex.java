package org.nixnfs.store;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the valid store paths. A refresh builds a new snapshot and swaps it in
 * atomically (see {@link StoreIndexHolder}), so readers never see a half-updated set.
 */
public final class StoreIndex {
    private final Map<String, ValidPath> byHashPart;
    private final long fingerprint;

    private StoreIndex(Map<String, ValidPath> byHashPart) {
        this.byHashPart = byHashPart;
        long f = byHashPart.size();
        for (ValidPath p : byHashPart.values()) {
            f ^= fingerprintOf(p.path());
        }
        this.fingerprint = f;
    }

    public static StoreIndex of(Collection<ValidPath> paths) {
        Map<String, ValidPath> m = new HashMap<>(paths.size() * 2);
        for (ValidPath p : paths) {
            m.put(p.path().hashPart(), p);
        }
        return new StoreIndex(Collections.unmodifiableMap(m));
    }

    public static StoreIndex empty() {
        return of(List.of());
    }

    /** The valid path with this hash part, if any. */
    public Optional<ValidPath> byHashPart(String hashPart) {
        return Optional.ofNullable(byHashPart.get(hashPart));
    }

    /** The valid path whose base name is exactly {@code baseName}; empty for anything else. */
    public Optional<ValidPath> byBaseName(String baseName) {
        return StorePath.parseBaseName(baseName)
                .flatMap(sp -> byHashPart(sp.hashPart()).filter(v -> v.path().equals(sp)));
    }

    public Collection<ValidPath> paths() {
        return byHashPart.values();
    }

    public int size() {
        return byHashPart.size();
    }

    /**
     * A 64-bit value that changes whenever the set of valid paths changes, and is the same for the
     * same set on any server (so replicas agree on the store directory's change attribute).
     */
    public long fingerprint() {
        return fingerprint;
    }

    static long fingerprintOf(StorePath p) {
        // FNV-1a over the base name, then a final mix, so that XOR-combining stays well spread.
        long h = 0xcbf29ce484222325L;
        String s = p.baseName();
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}
