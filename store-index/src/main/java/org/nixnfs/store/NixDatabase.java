package org.nixnfs.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import org.sqlite.SQLiteConfig;

/**
 * The Nix database of a store, {@code <storeRoot>/nix/var/nix/db/db.sqlite}, read strictly
 * read-only: the file is opened with SQLite's read-only flag (never created, never written, its
 * journal mode left as Nix set it), a fresh connection per read so a replaced file is noticed, and
 * each read in one transaction so the Nix daemon can write at the same time (WAL mode lets readers
 * proceed; the busy timeout covers the short locks SQLite still takes).
 *
 * <p>Paths in the database are absolute ({@code /nix/store/<hash>-<name>}); the store directory is
 * {@code /nix/store} also for a chroot store under another root. Rows that do not parse as store
 * paths are skipped with a log line.
 */
public final class NixDatabase {
    public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(2);

    private final Path storeRoot;
    private final Path databaseFile;
    private final Duration busyTimeout;

    private NixDatabase(Path storeRoot, Duration busyTimeout) {
        this.storeRoot = storeRoot;
        this.databaseFile = databaseFileOf(storeRoot);
        this.busyTimeout = busyTimeout;
    }

    /** {@link #open(Path, Duration)} with the default busy timeout. */
    public static NixDatabase open(Path storeRoot) throws NixDatabaseNotFoundException {
        return open(storeRoot, DEFAULT_BUSY_TIMEOUT);
    }

    /**
     * The database of the store rooted at {@code storeRoot} ({@code /} for the system store). Checks
     * only that the file exists; nothing is read yet.
     *
     * @param busyTimeout how long one read waits for a lock held by a writer before failing
     * @throws NixDatabaseNotFoundException if there is no database file, naming the path looked at
     */
    public static NixDatabase open(Path storeRoot, Duration busyTimeout) throws NixDatabaseNotFoundException {
        Objects.requireNonNull(busyTimeout);
        Path root = storeRoot.toAbsolutePath().normalize();
        NixDatabase db = new NixDatabase(root, busyTimeout);
        db.checkExists();
        return db;
    }

    /** Where the database of the store rooted at {@code storeRoot} lives. */
    public static Path databaseFileOf(Path storeRoot) {
        return storeRoot.resolve("nix/var/nix/db/db.sqlite");
    }

    public Path storeRoot() {
        return storeRoot;
    }

    /** The directory holding the store's contents, {@code <storeRoot>/nix/store}. */
    public Path storeDirectory() {
        return storeRoot.resolve("nix/store");
    }

    public Path databaseFile() {
        return databaseFile;
    }

    public Duration busyTimeout() {
        return busyTimeout;
    }

    /** A full snapshot of the valid paths and their references. */
    public StoreIndex load() throws NixDatabaseException {
        return read(null).index();
    }

    /**
     * The snapshot for the database's current state, read incrementally from {@code previous}
     * when possible (null, or a replaced database file, means a full load); {@code previous}
     * itself when nothing changed.
     */
    DatabaseSnapshot read(DatabaseSnapshot previous) throws NixDatabaseException {
        Object fileKey = currentFileKey();
        DatabaseSnapshot base = baseFor(previous, fileKey);
        try (Connection c = connect()) {
            // One transaction: all queries of this read see the same committed state.
            c.setAutoCommit(false);
            try {
                return SnapshotReader.update(c, base, fileKey);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw readError(e);
        }
    }

    /** What to update incrementally: {@code previous}, unless there is none or it is of another file. */
    static DatabaseSnapshot baseFor(DatabaseSnapshot previous, Object fileKey) {
        return previous == null || !Objects.equals(fileKey, previous.fileKey()) ? DatabaseSnapshot.EMPTY : previous;
    }

    NixDatabaseException readError(SQLException e) {
        return new NixDatabaseException("Cannot read the Nix database " + databaseFile + ": " + e.getMessage(), e);
    }

    /**
     * Identity of the database file now at its path.
     *
     * @throws NixDatabaseNotFoundException if there is none
     */
    Object currentFileKey() throws NixDatabaseException {
        checkExists();
        return fileKey();
    }

    /** A fresh read-only connection. */
    Connection connect() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        // SQLITE_OPEN_READONLY without SQLITE_OPEN_CREATE: a missing file is an error, never created.
        config.setReadOnly(true);
        config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
        return config.createConnection("jdbc:sqlite:" + databaseFile);
    }

    private void checkExists() throws NixDatabaseNotFoundException {
        if (!Files.isRegularFile(databaseFile)) {
            throw new NixDatabaseNotFoundException(storeRoot, databaseFile);
        }
    }

    /** Identity of the file (device and inode on Linux), or null where the platform has none. */
    private Object fileKey() throws NixDatabaseException {
        try {
            return Files.readAttributes(databaseFile, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            throw new NixDatabaseException("Cannot stat the Nix database " + databaseFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "NixDatabase[" + databaseFile + "]";
    }
}
