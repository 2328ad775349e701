package org.nixnfs.gc;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.TreeSet;
import org.nixnfs.store.StorePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store paths an operator pinned: GC keeps them and their closures. Kept in
 * {@code <state-dir>/pins}, one base name a line, rewritten atomically (temporary file, fsync,
 * rename) so a crash leaves the old list or the new one, never a torn file.
 */
public final class PinStore {
    private static final Logger log = LoggerFactory.getLogger(PinStore.class);
    public static final String FILE_NAME = "pins";

    private final Path file;
    private Set<StorePath> pins = new TreeSet<>();

    public PinStore(Path stateDir) throws IOException {
        this.file = stateDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                StorePath.parse(s)
                        .ifPresentOrElse(pins::add, () -> log.error("{}: ignoring a line that is not a store path: {}", file, s));
            }
        }
    }

    public synchronized Set<StorePath> pins() {
        return Set.copyOf(pins);
    }

    /** Pins a path; returns false if it was pinned already. */
    public synchronized boolean pin(StorePath p) throws IOException {
        Set<StorePath> next = new TreeSet<>(pins);
        if (!next.add(p)) {
            return false;
        }
        save(next);
        return true;
    }

    /** Unpins a path; returns false if it was not pinned. */
    public synchronized boolean unpin(StorePath p) throws IOException {
        Set<StorePath> next = new TreeSet<>(pins);
        if (!next.remove(p)) {
            return false;
        }
        save(next);
        return true;
    }

    private void save(Set<StorePath> next) throws IOException {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        StringBuilder sb = new StringBuilder("# Store paths pinned against nixnfs GC (with their closures).\n");
        next.forEach(p -> sb.append(p.baseName()).append('\n'));
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        pins = next;
    }
}
