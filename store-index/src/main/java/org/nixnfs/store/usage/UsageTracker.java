package org.nixnfs.store.usage;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last access per store path, recorded on the NFS request path and flushed to a
 * {@link UsageDatabase} every few seconds.
 *
 * <p>Recording costs a hash lookup and, at most once a second per path and client, a volatile
 * write: no lock, no I/O, no allocation once a path has been seen. Access times are kept to the
 * second, which is plenty for a policy counted in days.
 */
public final class UsageTracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageTracker.class);
    /** Accesses closer together than this are one access. */
    static final long RESOLUTION_MILLIS = 1_000;
    public static final long DEFAULT_FLUSH_MILLIS = 5_000;

    private static final class Entry {
        volatile long lastAccess;
        volatile boolean dirty;
        final ConcurrentHashMap<String, Long> clients = new ConcurrentHashMap<>(4);
    }

    private final UsageDatabase database;
    private final LongSupplier clockMillis;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private volatile Optional<String> lastFlushError = Optional.empty();

    /**
     * Loads the stored history and flushes every {@code flushMillis}.
     *
     * @param clockMillis the clock (injectable for tests)
     */
    public UsageTracker(UsageDatabase database, LongSupplier clockMillis, long flushMillis) throws SQLException {
        this.database = database;
        this.clockMillis = clockMillis;
        for (PathUsage u : database.load().values()) {
            Entry e = new Entry();
            e.lastAccess = u.lastAccessMillis();
            e.clients.putAll(u.clients());
            entries.put(u.hashPart(), e);
        }
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "usage-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flushQuietly, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    /** Records a use of the store path by a client. Called for every NFS operation touching a store path. */
    public void record(String hashPart, String client) {
        long now = clockMillis.getAsLong();
        Entry e = entries.get(hashPart);
        if (e == null) {
            e = entries.computeIfAbsent(hashPart, h -> new Entry());
        }
        boolean changed = false;
        if (now - e.lastAccess >= RESOLUTION_MILLIS) {
            e.lastAccess = now;
            changed = true;
        }
        Long seen = e.clients.get(client);
        if (seen == null || now - seen >= RESOLUTION_MILLIS) {
            e.clients.put(client, now);
            changed = true;
        }
        if (changed) {
            e.dirty = true;
        }
    }

    /**
     * Records a use that happened elsewhere (on a replica, {@code client} naming the executor
     * there) at {@code atMillis}: the last access and the client's become the later of the known
     * one and this. A use older than what is known changes nothing.
     */
    public void merge(String hashPart, String client, long atMillis) {
        Entry e = entries.computeIfAbsent(hashPart, h -> new Entry());
        synchronized (e) {
            boolean changed = false;
            if (atMillis > e.lastAccess) {
                e.lastAccess = atMillis;
                changed = true;
            }
            Long seen = e.clients.get(client);
            if (seen == null || atMillis > seen) {
                e.clients.put(client, atMillis);
                changed = true;
            }
            if (changed) {
                e.dirty = true;
            }
        }
    }

    /** The usage of one path, if it was ever used. */
    public Optional<PathUsage> usage(String hashPart) {
        Entry e = entries.get(hashPart);
        return e == null ? Optional.empty() : Optional.of(new PathUsage(hashPart, e.lastAccess, e.clients));
    }

    /** Everything known, as of now. */
    public Map<String, PathUsage> snapshot() {
        Map<String, PathUsage> m = new HashMap<>(entries.size() * 2);
        entries.forEach((h, e) -> m.put(h, new PathUsage(h, e.lastAccess, e.clients)));
        return m;
    }

    /** Writes what changed since the last flush, in one transaction. */
    public synchronized void flush() throws SQLException {
        List<PathUsage> dirty = new ArrayList<>();
        List<Entry> flushed = new ArrayList<>();
        entries.forEach((h, e) -> {
            if (e.dirty) {
                e.dirty = false; // cleared before reading, so an access racing with us is flushed next time
                dirty.add(new PathUsage(h, e.lastAccess, e.clients));
                flushed.add(e);
            }
        });
        try {
            database.write(dirty);
        } catch (SQLException ex) {
            flushed.forEach(e -> e.dirty = true);
            throw ex;
        }
    }

    private void flushQuietly() {
        try {
            flush();
            lastFlushError = Optional.empty();
        } catch (SQLException | RuntimeException e) {
            if (lastFlushError.isEmpty()) {
                log.error("cannot save usage to {} (will retry): {}", database.file(), e.getMessage());
            }
            lastFlushError = Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** Removes paths GC deleted, here and on disk. */
    public void forget(List<String> hashParts) throws SQLException {
        hashParts.forEach(entries::remove);
        database.forget(hashParts);
    }

    public Optional<String> lastFlushError() {
        return lastFlushError;
    }

    public int trackedPaths() {
        return entries.size();
    }

    /** Stops flushing after a final flush. */
    @Override
    public void close() {
        flusher.shutdownNow();
        flushQuietly();
        database.close();
    }
}
