package org.nixnfs.store.usage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.nixnfs.store.StoreIndex;
import org.nixnfs.store.ValidPath;

/** The valid paths with their size, registration and use, for {@code nixnfs usage}. */
public final class UsageReport {
    /** How to order the listing. */
    public enum Sort { LAST_ACCESS, SIZE }

    /**
     * @param path             absolute store path
     * @param narSize          bytes
     * @param registrationTime seconds since the epoch
     * @param lastAccessMillis 0 if never used over NFS
     * @param clients          executor address → last access (milliseconds)
     */
    public record Entry(String path, long narSize, long registrationTime, long lastAccessMillis, Map<String, Long> clients) {
    }

    private UsageReport() {
    }

    /**
     * @param sort  LAST_ACCESS: least recently used first (what GC would take first); SIZE: largest first
     * @param limit at most this many entries (0 for all)
     */
    public static List<Entry> build(StoreIndex index, Map<String, PathUsage> usage, Sort sort, int limit) {
        List<Entry> out = new ArrayList<>(index.size());
        for (ValidPath vp : index.paths()) {
            PathUsage u = usage.get(vp.path().hashPart());
            out.add(new Entry(vp.path().fullPath(), vp.narSize(), vp.registrationTime(),
                    u == null ? 0 : u.lastAccessMillis(), u == null ? Map.of() : u.clients()));
        }
        Comparator<Entry> order = sort == Sort.SIZE
                ? Comparator.comparingLong(Entry::narSize).reversed()
                : Comparator.comparingLong(Entry::lastAccessMillis).thenComparingLong(Entry::registrationTime);
        out.sort(order.thenComparing(Entry::path));
        return limit > 0 && out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }
}
