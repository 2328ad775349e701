package org.nixnfs.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One long-lived read-only connection to the Nix database that tells whether anything was
 * committed since it last looked, and then reads what changed.
 *
 * <p><b>Why it cannot miss a commit.</b> SQLite's {@code PRAGMA data_version} returns, on one
 * connection, a different value after another connection has committed. Each {@link #readIfChanged}
 * reads it and, when it differs, the rows, in <em>one</em> read transaction: the index then holds
 * exactly the state that value names. A commit after that transaction changes the value the next
 * call sees. No file size, time or notification is trusted for this; they only decide how soon
 * the next call comes. (A writer makes its commit visible by updating the WAL index in the
 * memory-mapped {@code -shm} file, after the WAL writes that change {@code -wal}'s size and time and
 * raise notifications. The stat-based check before took its look between the two when the writer
 * was slow or preempted, and then never saw that commit: issue 11.)
 *
 * <p>What the value cannot show is a different file at the same path (the connection keeps the
 * old one open), so each call first compares the file's identity (device, inode) with the one the
 * connection was opened on; the caller reopens on a mismatch. A file overwritten in place with
 * garbage is noticed by the next fresh connection (the caller opens one for every full reload).
 *
 * <p><b>Read-only.</b> The connection is opened with SQLite's read-only flag, like every read
 * before; it never writes and never holds a transaction between calls. Like every connection to a
 * WAL database, Nix's included, it holds SQLite's shared lock on {@code db.sqlite} while open. That
 * never makes a Nix write wait; it means only that a Nix process closing while nixnfs runs is not
 * the last connection, so it leaves the WAL for Nix's own periodic checkpoint
 * ({@code wal_autocheckpoint}, which Nix sets to 40,000 pages) instead of checkpointing and
 * deleting it on close, exactly as when two Nix processes overlap.
 */
final class FollowingConnection implements AutoCloseable {
    private final NixDatabase database;
    private final Object fileKey;
    private final Connection connection;
    /** data_version when the snapshot last handed out was read; null before the first read. */
    private Long readVersion;

    /** What a read found: the new snapshot and the newest write to the database files seen with it. */
    record Change(DatabaseSnapshot snapshot, Optional<Instant> lastWrite) {
    }

    private FollowingConnection(NixDatabase database, Object fileKey, Connection connection) {
        this.database = database;
        this.fileKey = fileKey;
        this.connection = connection;
    }

    /** Opens a connection on the database file now at its path. */
    static FollowingConnection open(NixDatabase database) throws NixDatabaseException {
        // Identity first, then open: if the file is replaced in between, the identity is the old
        // one and the next call reopens once more, rather than following a file it does not know.
        Object key = database.currentFileKey();
        try {
            return new FollowingConnection(database, key, database.connect());
        } catch (SQLException e) {
            throw database.readError(e);
        }
    }

    /** Whether the database file at the path is still the one this connection reads. */
    boolean stillCurrent() throws NixDatabaseException {
        return Objects.equals(database.currentFileKey(), fileKey);
    }

    /**
     * Reads the database if a commit happened since the last read on this connection (always on
     * the first call), incrementally from {@code previous} (or fully, if {@code previous} is null
     * or of another file).
     *
     * @return empty when nothing was committed since the last read
     */
    Optional<Change> readIfChanged(DatabaseSnapshot previous) throws NixDatabaseException {
        try (Statement st = connection.createStatement()) {
            st.execute("BEGIN"); // deferred: the read transaction starts at the first read below
            Optional<Change> result;
            try {
                result = readInTransaction(st, previous);
            } catch (SQLException e) {
                try {
                    st.execute("ROLLBACK");
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback); // the caller closes the connection on any failure
                }
                throw e;
            }
            // Never keep a transaction open between calls: it would pin Nix's WAL (or, with a
            // rollback journal, block Nix's writes). A failure here makes the caller close.
            st.execute("ROLLBACK");
            return result;
        } catch (SQLException e) {
            throw database.readError(e);
        }
    }

    private Optional<Change> readInTransaction(Statement st, DatabaseSnapshot previous) throws SQLException {
        long version = queryLong(st, "PRAGMA data_version");
        if (readVersion != null && version == readVersion) {
            return Optional.empty();
        }
        // Taken inside the transaction, after it started: at least as late as every commit it
        // sees (a commit a moment later can only make the measured lag shorter, never longer).
        Optional<Instant> lastWrite = lastWrite();
        DatabaseSnapshot next = SnapshotReader.update(connection, NixDatabase.baseFor(previous, fileKey), fileKey);
        readVersion = version;
        return Optional.of(new Change(next, lastWrite));
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // nothing was written; a failed close leaves nothing to undo
        }
    }

    private Optional<Instant> lastWrite() {
        Instant newest = null;
        Path db = database.databaseFile();
        for (Path f : new Path[] {db, Path.of(db + "-wal"), Path.of(db + "-journal")}) {
            try {
                Instant t = Files.getLastModifiedTime(f).toInstant();
                newest = newest == null || t.isAfter(newest) ? t : newest;
            } catch (IOException e) {
                // absent (no WAL right now) or unreadable: no information
            }
        }
        return Optional.ofNullable(newest);
    }

    private static long queryLong(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
