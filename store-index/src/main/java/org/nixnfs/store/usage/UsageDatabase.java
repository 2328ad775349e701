package org.nixnfs.store.usage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where access times persist: {@code <state-dir>/usage.sqlite}. SQLite in WAL mode makes every
 * flush one atomic transaction, so a crash (even {@code kill -9}) leaves the last committed flush
 * intact and never a torn file; readers (the {@code usage} and {@code gc} commands) can read
 * while the server writes. A file that is not a healthy database is moved aside with an error
 * in the log, and tracking starts afresh: losing usage history only makes GC keep more.
 */
public final class UsageDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageDatabase.class);
    public static final String FILE_NAME = "usage.sqlite";

    private final Path file;
    private final Connection connection;

    private UsageDatabase(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating if needed) the usage database in {@code stateDir}, for reading and writing. */
    public static UsageDatabase open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve(FILE_NAME);
        try {
            return new UsageDatabase(file, connect(file));
        } catch (SQLException corrupt) {
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt-" + Instant.now().toEpochMilli());
            log.error("Usage database {} is unreadable ({}); moved it to {} and starting with no usage history",
                    file, corrupt.getMessage(), aside);
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            for (String suffix : new String[] {"-wal", "-shm"}) {
                Files.deleteIfExists(file.resolveSibling(FILE_NAME + suffix));
            }
            try {
                return new UsageDatabase(file, connect(file));
            } catch (SQLException e) {
                throw new IOException("cannot create usage database " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Opens an existing usage database read-only (the CLI, while a server may be writing it); null if none. */
    public static Map<String, PathUsage> readIfExists(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Map.of();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro")) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 5000");
            }
            return load(c);
        } catch (SQLException e) {
            throw new IOException("cannot read usage database " + file + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            try (ResultSet r = s.executeQuery("PRAGMA quick_check")) {
                if (!r.next() || !"ok".equals(r.getString(1))) {
                    throw new SQLException("integrity check failed: " + (r.isClosed() ? "?" : r.getString(1)));
                }
            }
            s.execute("PRAGMA journal_mode = WAL");
            // NORMAL in WAL mode: a commit survives a process crash; only a power loss may undo the last ones.
            s.execute("PRAGMA synchronous = NORMAL");
            s.execute("CREATE TABLE IF NOT EXISTS path_usage (hash_part TEXT PRIMARY KEY, last_access INTEGER NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS client_usage (hash_part TEXT NOT NULL, client TEXT NOT NULL,"
                    + " last_access INTEGER NOT NULL, PRIMARY KEY (hash_part, client))");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    public Path file() {
        return file;
    }

    public synchronized Map<String, PathUsage> load() throws SQLException {
        return load(connection);
    }

    private static Map<String, PathUsage> load(Connection c) throws SQLException {
        Map<String, Map<String, Long>> clients = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT hash_part, client, last_access FROM client_usage")) {
            while (r.next()) {
                clients.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(2), r.getLong(3));
            }
        }
        Map<String, PathUsage> out = new HashMap<>();
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT hash_part, last_access FROM path_usage")) {
            while (r.next()) {
                String h = r.getString(1);
                out.put(h, new PathUsage(h, r.getLong(2), clients.getOrDefault(h, Map.of())));
            }
        }
        return out;
    }

    /** Writes these paths' usage in one transaction (later times win over what is stored). */
    public synchronized void write(Collection<PathUsage> usages) throws SQLException {
        if (usages.isEmpty()) {
            return;
        }
        connection.setAutoCommit(false);
        try (PreparedStatement p = connection.prepareStatement(
                "INSERT INTO path_usage (hash_part, last_access) VALUES (?, ?) ON CONFLICT (hash_part)"
                        + " DO UPDATE SET last_access = max(last_access, excluded.last_access)");
             PreparedStatement c = connection.prepareStatement(
                "INSERT INTO client_usage (hash_part, client, last_access) VALUES (?, ?, ?) ON CONFLICT"
                        + " (hash_part, client) DO UPDATE SET last_access = max(last_access, excluded.last_access)")) {
            for (PathUsage u : usages) {
                p.setString(1, u.hashPart());
                p.setLong(2, u.lastAccessMillis());
                p.addBatch();
                for (Map.Entry<String, Long> e : u.clients().entrySet()) {
                    c.setString(1, u.hashPart());
                    c.setString(2, e.getKey());
                    c.setLong(3, e.getValue());
                    c.addBatch();
                }
            }
            p.executeBatch();
            c.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** Forgets paths that no longer exist (after GC deleted them). */
    public synchronized void forget(Collection<String> hashParts) throws SQLException {
        connection.setAutoCommit(false);
        try (PreparedStatement p = connection.prepareStatement("DELETE FROM path_usage WHERE hash_part = ?");
             PreparedStatement c = connection.prepareStatement("DELETE FROM client_usage WHERE hash_part = ?")) {
            for (String h : hashParts) {
                p.setString(1, h);
                p.addBatch();
                c.setString(1, h);
                c.addBatch();
            }
            p.executeBatch();
            c.executeBatch();
            connection.commit();
        } finally {
            connection.setAutoCommit(true);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing {}: {}", file, e.getMessage());
        }
    }
}
