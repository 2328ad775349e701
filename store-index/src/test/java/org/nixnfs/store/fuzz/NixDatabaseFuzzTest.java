package org.nixnfs.store.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.util.Optional;
import org.nixnfs.store.NixDatabase;
import org.nixnfs.store.NixDatabaseException;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * What nixnfs reads from outside: the Nix database (its rows come from whatever clients push
 * through nix-daemon, and the file may be damaged) and store path names (from the database and
 * from the admin API's pin requests). Rows of any shape, dangling references included, must load
 * into an index or fail with {@link NixDatabaseException}; names must parse or be refused.
 */
class NixDatabaseFuzzTest {
    static NixStoreFixture nix;
    static NixDatabase db;
    static Connection writer;

    static synchronized void setUp() throws Exception {
        if (nix == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
            nix = NixStoreFixture.create(Files.createTempDirectory("nixnfs-db-fuzz"));
            db = NixDatabase.open(nix.storeRoot());
            writer = DriverManager.getConnection("jdbc:sqlite:" + nix.databaseFile());
            try (Statement st = writer.createStatement()) {
                st.execute("PRAGMA synchronous=OFF"); // a throwaway database: no fsync per input
            }
            writer.setAutoCommit(false); // one write transaction per input, not one per row
        }
    }

    @FuzzTest(maxDuration = "5s")
    void databaseRows(FuzzedDataProvider data) throws Exception {
        setUp();
        try (Statement st = writer.createStatement()) {
            st.executeUpdate("DELETE FROM Refs");
            st.executeUpdate("DELETE FROM ValidPaths");
        }
        int rows = data.consumeInt(0, 8);
        try (PreparedStatement ps = writer.prepareStatement("INSERT OR IGNORE INTO ValidPaths "
                + "(id, path, hash, registrationTime, deriver, narSize) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setLong(1, data.consumeBoolean() ? i + 1 : data.consumeLong());
                ps.setString(2, data.consumeBoolean() ? nix.storeDirectory() + "/" + data.consumeString(80)
                        : data.consumeString(100));
                ps.setString(3, "sha256:" + data.consumeString(10));
                ps.setLong(4, data.consumeLong());
                ps.setString(5, data.consumeBoolean() ? null : data.consumeString(80));
                if (data.consumeBoolean()) {
                    ps.setNull(6, Types.INTEGER);
                } else {
                    ps.setLong(6, data.consumeLong());
                }
                ps.executeUpdate();
            }
        }
        int refs = data.consumeInt(0, 16);
        try (PreparedStatement ps = writer.prepareStatement("INSERT OR IGNORE INTO Refs (referrer, reference) VALUES (?, ?)")) {
            for (int i = 0; i < refs; i++) {
                ps.setLong(1, data.consumeBoolean() ? data.consumeInt(0, rows + 1) : data.consumeLong());
                ps.setLong(2, data.consumeBoolean() ? data.consumeInt(0, rows + 1) : data.consumeLong());
                ps.executeUpdate();
            }
        }
        writer.commit();
        try {
            db.load();
        } catch (NixDatabaseException expected) {
            // a damaged database is reported, and the last good index goes on being served
        }
    }
}
