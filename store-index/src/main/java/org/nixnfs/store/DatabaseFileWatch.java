package org.nixnfs.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the {@link IndexWatcher} early when the database files ({@code db.sqlite}, its {@code -wal}
 * and {@code -journal}) change: a {@link WatchService} on their directory (inotify on Linux, so a
 * commit is seen within milliseconds). Only a hint: the watcher checks the database itself for
 * commits, at every notification and at every poll, so a notification that is lost, late or about
 * something else (SQLite re-owning {@code -wal} when a connection opens as root) costs latency or
 * one cheap check, never a commit. The {@code -shm} file is ignored: readers write it too.
 */
final class DatabaseFileWatch implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseFileWatch.class);

    private final Path directory;
    private final Set<Path> relevantNames;
    private WatchService watchService;
    private WatchKey key;

    /** @param notifications whether to use a WatchService at all, or only poll */
    DatabaseFileWatch(Path databaseFile, boolean notifications) {
        this.directory = databaseFile.getParent();
        Path name = databaseFile.getFileName();
        Path wal = Path.of(name + "-wal");
        Path journal = Path.of(name + "-journal");
        this.relevantNames = Set.of(name, wal, journal);
        if (notifications) {
            try {
                watchService = directory.getFileSystem().newWatchService();
            } catch (IOException | UnsupportedOperationException e) {
                log.warn("No file change notifications for {} ({}); polling only", directory, e.toString());
            }
        }
        register();
    }

    /** Whether change notifications are in use (otherwise only polling notices changes). */
    synchronized boolean active() {
        return key != null && key.isValid();
    }

    /**
     * Waits up to {@code timeout} for a notification of a write to the database files.
     *
     * @return true if one came; false on timeout (and always false without notifications, after
     *         sleeping)
     */
    boolean await(Duration timeout) throws InterruptedException {
        WatchService ws = watchServiceIfActive();
        if (ws == null) {
            Thread.sleep(timeout.toMillis());
            register(); // the directory may be back
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
                WatchKey k = ws.poll(left, TimeUnit.NANOSECONDS);
                if (k != null && consume(k)) {
                    return true;
                }
            }
        } catch (ClosedWatchServiceException e) {
            return false;
        }
        return false;
    }

    /** Consumes the notifications already pending, without waiting; true if any was relevant. */
    boolean drain() {
        WatchService ws = watchServiceIfActive();
        if (ws == null) {
            return false;
        }
        boolean relevant = false;
        try {
            for (WatchKey k = ws.poll(); k != null; k = ws.poll()) {
                relevant |= consume(k);
            }
        } catch (ClosedWatchServiceException e) {
            return relevant;
        }
        return relevant;
    }

    @Override
    public synchronized void close() throws IOException {
        if (watchService != null) {
            watchService.close();
        }
    }

    private synchronized WatchService watchServiceIfActive() {
        return active() ? watchService : null;
    }

    private boolean consume(WatchKey k) {
        boolean relevant = false;
        for (WatchEvent<?> event : k.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                relevant = true; // events were lost: assume the worst
            } else if (relevantNames.contains((Path) event.context())) {
                relevant = true;
            }
        }
        if (!k.reset()) {
            log.warn("Lost the file watch on {}; polling until it can be set up again", directory);
        }
        return relevant;
    }

    private synchronized void register() {
        if (watchService == null || active()) {
            return;
        }
        try {
            key = directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (NoSuchFileException e) {
            key = null;
        } catch (IOException | ClosedWatchServiceException e) {
            key = null;
            log.warn("Cannot watch {} for changes ({}); polling only", directory, e.toString());
        }
    }
}
