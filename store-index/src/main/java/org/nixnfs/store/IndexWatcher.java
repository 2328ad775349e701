package org.nixnfs.store;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the Nix database and swaps new {@link StoreIndex} snapshots into a
 * {@link StoreIndexHolder}: a registration or deletion is visible within milliseconds of the
 * commit on Linux (inotify), and within one poll interval whatever happens to notifications.
 *
 * <p><b>How a commit is noticed.</b> At every poll and at every change notification the watcher
 * asks its {@link FollowingConnection} whether anything was committed since its last read (SQLite's
 * {@code data_version}, O(1)), and reads only then. That check cannot miss a commit (see
 * {@link FollowingConnection}); notifications only make it come sooner, so lost, late or spurious
 * notifications cost latency (at most one poll interval) or one cheap check, never a commit; a
 * check after a notification is followed by one more {@link #RECHECK_AFTER_NOTIFICATION} later, for
 * a commit whose writes woke us before it was complete. (The
 * watcher used to trust a notification or a poll only if the files' size or times had changed, to
 * ignore the -wal re-owning that SQLite does on every fresh connection opened as root; a commit
 * completed after its look changes neither, so it was missed for good, issue 11. The long-lived
 * connection opens nothing per check, so our own checks no longer cause notifications.)
 *
 * <p>Each change is read incrementally (new rows above the last seen id, deletions found from the
 * row count), with a full reload on a fresh connection every {@link Options#fullReloadInterval()}
 * to pick up in-place updates. When the database cannot be read (locked past the busy timeout,
 * corrupt, deleted, replaced by something unreadable) the error is logged, the connection closed,
 * and the last good index keeps being served; a fresh connection is tried at every poll and every
 * notification. {@link #status()} tells how it goes.
 *
 * <p>One daemon thread does all reads; {@link #refreshNow()} runs one on the caller's thread.
 */
public final class IndexWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IndexWatcher.class);
    private static final Duration REPEAT_ERROR_LOG_INTERVAL = Duration.ofMinutes(1);
    /**
     * A notification comes with a writer's writes to the WAL, but its commit becomes visible only
     * when it then updates the WAL index in {@code -shm} (memory-mapped: no notification, and the
     * files' size and times stay as they were). A check right after a notification can therefore
     * come just before the commit; one more check this much later finds it without waiting for the
     * next poll. (The old stat-based watcher missed such a commit for good, issue 11: a writer
     * preempted between the two steps on a busy machine.)
     */
    static final Duration RECHECK_AFTER_NOTIFICATION = Duration.ofMillis(50);

    /**
     * @param pollInterval       how often the database is checked for commits without a change
     *                           notification, and how often a failed read is retried: the
     *                           longest a commit can stay unseen
     * @param minRefreshGap      least time between the starts of two checks, so that a burst of
     *                           writes by Nix is read a few times rather than once per write
     * @param fullReloadInterval how often the whole database is re-read; zero for never
     * @param fileNotifications  whether to use change notifications (inotify) at all; without
     *                           them changes are seen by polling only
     */
    public record Options(Duration pollInterval, Duration minRefreshGap, Duration fullReloadInterval,
                          boolean fileNotifications) {
        public Options {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive");
            }
            if (minRefreshGap.isNegative() || fullReloadInterval.isNegative()) {
                throw new IllegalArgumentException("intervals must not be negative");
            }
        }

        /** Poll every 500 ms, at most one check per 20 ms, full reload every 10 minutes, inotify on. */
        public static Options defaults() {
            return new Options(Duration.ofMillis(500), Duration.ofMillis(20), Duration.ofMinutes(10), true);
        }

        public Options withPollInterval(Duration d) {
            return new Options(d, minRefreshGap, fullReloadInterval, fileNotifications);
        }

        public Options withMinRefreshGap(Duration d) {
            return new Options(pollInterval, d, fullReloadInterval, fileNotifications);
        }

        public Options withFullReloadInterval(Duration d) {
            return new Options(pollInterval, minRefreshGap, d, fileNotifications);
        }

        public Options withFileNotifications(boolean on) {
            return new Options(pollInterval, minRefreshGap, fullReloadInterval, on);
        }
    }

    private final NixDatabase database;
    private final StoreIndexHolder holder;
    private final Options options;
    private final Object refreshLock = new Object();
    private volatile DatabaseFileWatch fileWatch;
    private Thread thread;
    private volatile boolean closed;

    // Written under refreshLock only; status() reads the published record.
    private FollowingConnection connection;
    private DatabaseSnapshot snapshot;
    private long lastRefreshStartNanos;
    private long lastFullReloadNanos;
    private Instant lastErrorLogged = Instant.EPOCH;
    private volatile IndexWatcherStatus status;

    public IndexWatcher(NixDatabase database, StoreIndexHolder holder) {
        this(database, holder, Options.defaults());
    }

    public IndexWatcher(NixDatabase database, StoreIndexHolder holder, Options options) {
        this.database = Objects.requireNonNull(database);
        this.holder = Objects.requireNonNull(holder);
        this.options = Objects.requireNonNull(options);
        this.status = new IndexWatcherStatus(holder.current().size(), Instant.EPOCH, Optional.empty(), Duration.ZERO,
                Optional.empty(), 0, 0, 0, 0, Optional.empty(), Optional.empty(), Optional.empty(), false);
    }

    /**
     * Loads the database fully into the holder, then follows it on a daemon thread.
     *
     * @throws NixDatabaseException if the initial load fails (there is nothing good to serve yet)
     */
    public synchronized void start() throws NixDatabaseException {
        if (thread != null || closed) {
            throw new IllegalStateException("already started or closed");
        }
        fileWatch = new DatabaseFileWatch(database.databaseFile(), options.fileNotifications());
        Optional<NixDatabaseException> failure = refresh(Mode.FULL);
        if (failure.isPresent()) {
            closeQuietly(fileWatch);
            throw failure.get();
        }
        thread = new Thread(this::run, "nix-db-watcher");
        thread.setDaemon(true);
        thread.start();
        log.info("Watching {} ({} valid paths, change notifications {})", database.databaseFile(),
                holder.current().size(), fileWatch.active() ? "on" : "off, polling");
    }

    /**
     * Reads the database now, on this thread, on a fresh connection (so a file damaged in place is
     * noticed too), and swaps in the result if it changed.
     *
     * @return the failure, if the read failed (it is also logged and recorded in the status)
     */
    public Optional<NixDatabaseException> refreshNow() {
        return refresh(Mode.REOPEN);
    }

    public IndexWatcherStatus status() {
        return status;
    }

    /** Stops following the database; the holder keeps the last index. */
    @Override
    public void close() {
        Thread t;
        DatabaseFileWatch w;
        synchronized (this) {
            closed = true;
            t = thread;
            w = fileWatch;
        }
        if (w != null) {
            closeQuietly(w);
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("Index watcher thread did not stop within 10 s");
            }
        }
        synchronized (refreshLock) {
            closeConnection();
        }
    }

    private void run() {
        long nextPoll = System.nanoTime() + options.pollInterval().toNanos();
        while (!closed) {
            try {
                boolean notified = fileWatch.await(Duration.ofNanos(Math.max(0, nextPoll - System.nanoTime())));
                boolean pollDue = System.nanoTime() - nextPoll >= 0;
                if (pollDue) {
                    nextPoll = System.nanoTime() + options.pollInterval().toNanos();
                }
                if (closed || !(notified || pollDue)) {
                    continue;
                }
                waitForRefreshGap();
                // Notifications up to here are covered by the check below, or by the recheck after
                // it if their commit was not complete yet; later ones wake us again.
                fileWatch.drain();
                refresh(fullReloadDue() ? Mode.FULL : Mode.CHECK);
                if (notified) {
                    long recheck = System.nanoTime() + RECHECK_AFTER_NOTIFICATION.toNanos();
                    nextPoll = recheck - nextPoll < 0 ? recheck : nextPoll;
                }
            } catch (InterruptedException e) {
                if (!closed) {
                    log.warn("Index watcher interrupted; stopping");
                }
                return;
            } catch (RuntimeException e) {
                // Never let the thread die: the holder would silently stop following the store.
                log.error("Unexpected error in the index watcher; continuing", e);
                try {
                    Thread.sleep(options.pollInterval().toMillis()); // no tight loop if it persists
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private boolean fullReloadDue() {
        long interval = options.fullReloadInterval().toNanos();
        synchronized (refreshLock) {
            return interval > 0 && System.nanoTime() - lastFullReloadNanos >= interval;
        }
    }

    private void waitForRefreshGap() throws InterruptedException {
        long earliest;
        synchronized (refreshLock) {
            earliest = lastRefreshStartNanos + options.minRefreshGap().toNanos();
        }
        long wait = earliest - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    /** What a refresh does. */
    private enum Mode {
        /** Read if a commit happened since the last read (the connection is reopened if needed). */
        CHECK,
        /** Read on a fresh connection, incrementally. */
        REOPEN,
        /** Read everything on a fresh connection. */
        FULL
    }

    private Optional<NixDatabaseException> refresh(Mode mode) {
        synchronized (refreshLock) {
            IndexWatcherStatus s = status;
            long start = System.nanoTime();
            lastRefreshStartNanos = start;
            Optional<FollowingConnection.Change> change;
            try {
                change = read(mode);
            } catch (NixDatabaseException e) {
                closeConnection();
                recordFailure(s, e);
                return Optional.of(e);
            } catch (RuntimeException e) {
                // Unexpected data or a bug: treat like an unreadable database, keep serving.
                closeConnection();
                NixDatabaseException wrapped = new NixDatabaseException(
                        "Cannot index the Nix database " + database.databaseFile() + ": " + e, e);
                recordFailure(s, wrapped);
                return Optional.of(wrapped);
            }
            Instant now = Instant.now();
            if (s.consecutiveFailures() > 0) {
                log.info("Nix database {} readable again after {} failed attempts", database.databaseFile(),
                        s.consecutiveFailures());
            }
            if (change.isEmpty()) { // nothing committed since the last read
                status = new IndexWatcherStatus(s.pathCount(), now, s.lastChange(), s.lastRefreshDuration(),
                        s.lastVisibilityLag(), s.refreshes() + 1, s.fullReloads(), s.failures(), 0, Optional.empty(),
                        s.lastError(), s.lastErrorTime(), fileWatch != null && fileWatch.active());
                return Optional.empty();
            }
            DatabaseSnapshot next = keepSameIndexIfUnchanged(change.get().snapshot());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            boolean changed = next.index() != holder.current();
            snapshot = next;
            boolean full = mode == Mode.FULL;
            if (full) {
                lastFullReloadNanos = start;
            }
            Optional<Duration> lag = s.lastVisibilityLag();
            if (changed && change.get().lastWrite().isPresent()) {
                Duration d = Duration.between(change.get().lastWrite().get(), now);
                lag = Optional.of(d.isNegative() ? Duration.ZERO : d);
            }
            // Status first: whoever sees the new index (listeners included) sees a status to match.
            status = new IndexWatcherStatus(next.size(), now, changed ? Optional.of(now) : s.lastChange(), took, lag,
                    s.refreshes() + 1, s.fullReloads() + (full ? 1 : 0), s.failures(), 0, Optional.empty(),
                    s.lastError(), s.lastErrorTime(), fileWatch != null && fileWatch.active());
            if (changed) {
                holder.replace(next.index());
                log.debug("Store index now has {} paths (read in {} ms{})", next.size(), took.toMillis(),
                        full ? ", full reload" : "");
            }
            return Optional.empty();
        }
    }

    /** Under refreshLock. */
    private Optional<FollowingConnection.Change> read(Mode mode) throws NixDatabaseException {
        if (connection != null && (mode != Mode.CHECK || !connection.stillCurrent())) {
            closeConnection();
        }
        if (connection == null) {
            connection = FollowingConnection.open(database); // its first read always reads
        }
        return connection.readIfChanged(mode == Mode.FULL ? null : snapshot);
    }

    private void closeConnection() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    private DatabaseSnapshot keepSameIndexIfUnchanged(DatabaseSnapshot next) {
        DatabaseSnapshot previous = snapshot;
        // sameContentAs rejects on fingerprint, size and edge count first, so this costs a scan
        // only for a full reload (periodic, or of a replaced file) that found the same paths.
        if (previous != null && next != previous && previous.index().sameContentAs(next.index())) {
            // Nothing changed: keep serving the same index object, so listeners are not woken.
            return next.withIndex(previous.index());
        }
        return next;
    }

    private void recordFailure(IndexWatcherStatus s, NixDatabaseException e) {
        Instant now = Instant.now();
        boolean newProblem = s.consecutiveFailures() == 0 || !s.lastError().equals(Optional.ofNullable(e.getMessage()));
        if (newProblem && snapshot == null) {
            log.error("Cannot load the store index: {}", e.getMessage());
            lastErrorLogged = now;
        } else if (newProblem) {
            log.error("Cannot refresh the store index; serving the last good one ({} paths): {}",
                    holder.current().size(), e.getMessage());
            lastErrorLogged = now;
        } else if (Duration.between(lastErrorLogged, now).compareTo(REPEAT_ERROR_LOG_INTERVAL) >= 0) {
            log.error("Still cannot refresh the store index after {} attempts since {}: {}",
                    s.consecutiveFailures() + 1, s.failingSince().orElse(now), e.getMessage());
            lastErrorLogged = now;
        }
        log.debug("Store index refresh failure", e);
        status = new IndexWatcherStatus(s.pathCount(), s.lastSuccess(), s.lastChange(), s.lastRefreshDuration(),
                s.lastVisibilityLag(), s.refreshes(), s.fullReloads(), s.failures() + 1, s.consecutiveFailures() + 1,
                Optional.of(s.failingSince().orElse(now)), Optional.ofNullable(e.getMessage()), Optional.of(now),
                fileWatch != null && fileWatch.active());
    }

    private static void closeQuietly(DatabaseFileWatch w) {
        try {
            w.close();
        } catch (IOException e) {
            log.debug("Closing the file watch failed", e);
        }
    }
}
