package org.nixnfs.gc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nixnfs.fetch.Narinfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@code file://} cold tier within its size: the oldest copies (by narinfo time) go first.
 * A narinfo is deleted before its NAR file, and a NAR file only once no narinfo names it, so the
 * tier never has a narinfo without its NAR; and when a path goes, every path in the tier that
 * refers to it goes too, since it could not be fetched back without it.
 */
public final class ColdTierPruner {
    private static final Logger log = LoggerFactory.getLogger(ColdTierPruner.class);

    private ColdTierPruner() {
    }

    private record Entry(Path narinfo, String hashPart, String narUrl, long bytes, long modified, Set<String> refs) {
    }

    /** Prunes the tier to its {@code keepBytes}; does nothing for an unbounded or non-file tier. Returns the narinfos deleted. */
    public static int prune(ColdTier tier) {
        Path dir = tier.directory();
        if (dir == null || tier.keepBytes() <= 0 || !Files.isDirectory(dir)) {
            return 0;
        }
        try {
            return prune(dir, tier.keepBytes());
        } catch (IOException e) {
            log.warn("cannot prune the cold tier {}: {}", dir, e.getMessage());
            return 0;
        }
    }

    static int prune(Path dir, long keepBytes) throws IOException {
        Map<String, Entry> entries = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.narinfo")) {
            for (Path p : ds) {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                String url = field(text, "URL");
                long fileSize = parseLong(field(text, "FileSize"));
                Narinfo n = Narinfo.parse(text).orElse(null);
                if (n == null || url == null) {
                    continue;
                }
                Set<String> refs = new HashSet<>();
                n.references().forEach(r -> refs.add(r.hashPart()));
                entries.put(n.storePath().hashPart(), new Entry(p, n.storePath().hashPart(), url,
                        Files.size(p) + Math.max(fileSize, 0), Files.getLastModifiedTime(p).toMillis(), refs));
            }
        }
        long total = entries.values().stream().mapToLong(Entry::bytes).sum();
        if (total <= keepBytes) {
            return 0;
        }
        List<Entry> oldestFirst = new ArrayList<>(entries.values());
        oldestFirst.sort(Comparator.comparingLong(Entry::modified).thenComparing(Entry::hashPart));
        Set<String> gone = new HashSet<>();
        for (Entry e : oldestFirst) {
            if (total <= keepBytes) {
                break;
            }
            if (gone.contains(e.hashPart())) {
                continue;
            }
            // This entry and everything in the tier that refers to it, transitively.
            ArrayDeque<String> todo = new ArrayDeque<>(List.of(e.hashPart()));
            while (!todo.isEmpty()) {
                String h = todo.pop();
                if (!gone.add(h)) {
                    continue;
                }
                Entry x = entries.get(h);
                total -= x.bytes();
                Files.deleteIfExists(x.narinfo()); // narinfo first: never a narinfo without its NAR
                for (Entry other : entries.values()) {
                    if (!gone.contains(other.hashPart()) && other.refs().contains(h) && !other.hashPart().equals(h)) {
                        todo.push(other.hashPart());
                    }
                }
            }
        }
        Set<String> narsInUse = new HashSet<>();
        entries.values().stream().filter(e -> !gone.contains(e.hashPart())).forEach(e -> narsInUse.add(e.narUrl()));
        for (String h : gone) {
            String nar = entries.get(h).narUrl();
            if (!narsInUse.contains(nar) && !nar.contains("..") && !nar.startsWith("/")) {
                Files.deleteIfExists(dir.resolve(nar));
            }
        }
        log.info("pruned {} paths from the cold tier {} to stay within {} bytes", gone.size(), dir, keepBytes);
        return gone.size();
    }

    private static String field(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key + ": ")) {
                return line.substring(key.length() + 2).strip();
            }
        }
        return null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
