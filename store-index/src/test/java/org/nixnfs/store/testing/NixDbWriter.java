package org.nixnfs.store.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.ValidPath;

/**
 * Writes a database with Nix 2.8's schema, for tests and benchmarks that need a Nix database but
 * not Nix itself (no store contents are created). It writes exactly what Nix writes to the tables
 * the index reads, in WAL mode as Nix does.
 */
public final class NixDbWriter implements AutoCloseable {
    /** Nix 2.8's schema (src/libstore/schema.sql), schema version 10. */
    private static final List<String> SCHEMA = List.of("""
            create table if not exists ValidPaths (
                id               integer primary key autoincrement not null,
                path             text unique not null,
                hash             text not null,
                registrationTime integer not null,
                deriver          text,
                narSize          integer,
                ultimate         integer,
                sigs             text,
                ca               text
            )""", """
            create table if not exists Refs (
                referrer  integer not null,
                reference integer not null,
                primary key (referrer, reference),
                foreign key (referrer) references ValidPaths(id) on delete cascade,
                foreign key (reference) references ValidPaths(id) on delete restrict
            )""",
            "create index if not exists IndexReferrer on Refs(referrer)",
            "create index if not exists IndexReference on Refs(reference)", """
            create trigger if not exists DeleteSelfRefs before delete on ValidPaths
              begin
                delete from Refs where referrer = old.id and reference = old.id;
              end""", """
            create table if not exists DerivationOutputs (
                drv  integer not null,
                id   text not null,
                path text not null,
                primary key (drv, id),
                foreign key (drv) references ValidPaths(id) on delete cascade
            )""",
            "create index if not exists IndexDerivationOutputs on DerivationOutputs(path)");

    private final Path databaseFile;
    private final Connection connection;
    private final Random random = new Random(1);

    private NixDbWriter(Path databaseFile, Connection connection) {
        this.databaseFile = databaseFile;
        this.connection = connection;
    }

    /** Creates {@code <storeRoot>/nix/var/nix/db/db.sqlite} (and nix/store) with an empty schema, in WAL mode. */
    public static NixDbWriter create(Path storeRoot) throws IOException, SQLException {
        return create(storeRoot, true);
    }

    /**
     * Like {@link #create(Path)}, in WAL mode or in rollback-journal mode (what Nix uses with
     * {@code use-sqlite-wal = false}).
     */
    public static NixDbWriter create(Path storeRoot, boolean wal) throws IOException, SQLException {
        Path db = NixDatabase.databaseFileOf(storeRoot);
        Files.createDirectories(db.getParent());
        Files.createDirectories(storeRoot.resolve("nix/store"));
        Files.writeString(db.getParent().resolve("schema"), "10");
        NixDbWriter w = new NixDbWriter(db, connect(db));
        try (Statement st = w.connection.createStatement()) {
            st.execute("pragma journal_mode = " + (wal ? "wal" : "delete"));
            for (String ddl : SCHEMA) {
                st.execute(ddl);
            }
        }
        return w;
    }

    /** Opens an existing Nix database for writing (as Nix would). */
    public static NixDbWriter open(Path storeRoot) throws SQLException {
        Path db = NixDatabase.databaseFileOf(storeRoot);
        return new NixDbWriter(db, connect(db));
    }

    private static Connection connect(Path db) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement st = c.createStatement()) {
            st.execute("pragma foreign_keys = on");
            st.execute("pragma busy_timeout = 10000");
        }
        return c;
    }

    public Path databaseFile() {
        return databaseFile;
    }

    /** The underlying read-write connection (autocommit on unless the caller changes it). */
    public Connection connection() {
        return connection;
    }

    /** A store path with a random (seeded) hash part. */
    public StorePath newStorePath(String name) {
        return randomStorePath(random, name);
    }

    public static StorePath randomStorePath(Random random, String name) {
        char[] hash = new char[StorePath.HASH_LENGTH];
        for (int i = 0; i < hash.length; i++) {
            hash[i] = StorePath.BASE32_ALPHABET.charAt(random.nextInt(StorePath.BASE32_ALPHABET.length()));
        }
        return new StorePath(new String(hash), name);
    }

    /** Registers one path in its own transaction; its references must be registered already or be itself. */
    public long register(ValidPath path) throws SQLException {
        return registerAll(List.of(path))[0];
    }

    /** Registers a path with no references, registered now, with the given NAR size. */
    public StorePath register(String name, long narSize) throws SQLException {
        StorePath p = newStorePath(name);
        register(new ValidPath(p, System.currentTimeMillis() / 1000, narSize, List.of()));
        return p;
    }

    /**
     * Registers paths in one transaction, in the given order (references to earlier ones or to
     * already registered paths), as Nix's registerValidPaths does.
     *
     * @return the row ids
     */
    public long[] registerAll(Collection<ValidPath> paths) throws SQLException {
        boolean auto = connection.getAutoCommit();
        connection.setAutoCommit(false);
        long[] ids = new long[paths.size()];
        Map<StorePath, Long> batchIds = new HashMap<>(paths.size() * 2);
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into ValidPaths (path, hash, registrationTime, narSize) values (?, ?, ?, ?)");
             PreparedStatement lastId = connection.prepareStatement("select last_insert_rowid()");
             PreparedStatement ref = connection.prepareStatement("insert or replace into Refs (referrer, reference) values (?, ?)");
             PreparedStatement refByPath = connection.prepareStatement(
                     "insert or replace into Refs (referrer, reference) values (?, (select id from ValidPaths where path = ?))")) {
            int i = 0;
            for (ValidPath p : paths) {
                insert.setString(1, absolute(p.path()));
                insert.setString(2, "sha256:" + randomHex(32));
                insert.setLong(3, p.registrationTime());
                insert.setLong(4, p.narSize());
                insert.executeUpdate();
                try (ResultSet rs = lastId.executeQuery()) {
                    rs.next();
                    ids[i] = rs.getLong(1);
                }
                batchIds.put(p.path(), ids[i]);
                i++;
            }
            i = 0;
            for (ValidPath p : paths) {
                for (StorePath r : p.references()) {
                    Long target = batchIds.get(r);
                    if (target != null) {
                        ref.setLong(1, ids[i]);
                        ref.setLong(2, target);
                        ref.addBatch();
                    } else {
                        refByPath.setLong(1, ids[i]);
                        refByPath.setString(2, absolute(r));
                        refByPath.executeUpdate();
                    }
                }
                i++;
            }
            ref.executeBatch();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(auto);
        }
        return ids;
    }

    /** Inserts a raw row, e.g. one whose path is not a valid store path. */
    public long insertRawRow(String absolutePath) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into ValidPaths (path, hash, registrationTime, narSize) values (?, ?, ?, ?)")) {
            insert.setString(1, absolutePath);
            insert.setString(2, "sha256:" + randomHex(32));
            insert.setLong(3, System.currentTimeMillis() / 1000);
            insert.setLong(4, 0);
            insert.executeUpdate();
        }
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("select last_insert_rowid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Invalidates paths, as {@code nix-store --delete} does to the database (referrers must go first). */
    public void delete(StorePath... paths) throws SQLException {
        boolean auto = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement del = connection.prepareStatement("delete from ValidPaths where path = ?")) {
            for (StorePath p : paths) {
                del.setString(1, absolute(p));
                if (del.executeUpdate() != 1) {
                    throw new SQLException("not registered: " + p);
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(auto);
        }
    }

    public static String absolute(StorePath p) {
        return "/nix/store/" + p.baseName();
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
