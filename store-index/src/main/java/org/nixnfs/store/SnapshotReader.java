package org.nixnfs.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a {@link DatabaseSnapshot} up to date from the Nix database, reading only what changed
 * when it can: Nix's row ids are AUTOINCREMENT, so new registrations are exactly the rows above
 * the snapshot's watermark, and deletions show as a row count lower than expected (only then is
 * the id column read to find which). A full load is the same operation from the empty snapshot.
 *
 * <p>The caller runs this inside one read transaction, so all queries see one consistent state.
 * Not detected incrementally: in-place updates of existing rows (Nix re-registering a valid path
 * with other metadata); a periodic full reload covers those.
 */
final class SnapshotReader {
    private static final Logger log = LoggerFactory.getLogger(SnapshotReader.class);
    /** The store directory as written in the database, also for a chroot store under another root. */
    private static final int MAX_SKIP_LOG_LINES = 10;

    private SnapshotReader() {
    }

    /** The snapshot for the database's current state; {@code base} itself if nothing changed. */
    static DatabaseSnapshot update(Connection c, DatabaseSnapshot base, Object fileKey) throws SQLException {
        DatabaseSnapshot next = tryUpdate(c, base, fileKey);
        if (next == null) {
            log.info("Nix database changed in a way that cannot be applied incrementally; reloading it fully");
            next = tryUpdate(c, DatabaseSnapshot.EMPTY, fileKey);
        }
        if (next == null) {
            // Even a full load cannot explain the rows: some ids are below 1, which Nix never writes.
            throw new SQLException("ValidPaths has rows whose id is not positive: the database is damaged");
        }
        return next;
    }

    /** Null when the change cannot be explained as deletions plus rows above the watermark. */
    private static DatabaseSnapshot tryUpdate(Connection c, DatabaseSnapshot base, Object fileKey) throws SQLException {
        long rowCount = queryLong(c, "SELECT count(*) FROM ValidPaths");
        long maxId = queryLong(c, "SELECT coalesce(max(id), 0) FROM ValidPaths");
        if (base != DatabaseSnapshot.EMPTY && rowCount == base.rowCount() && maxId <= base.watermark()) {
            return base;
        }
        NewRows rows = NewRows.read(c, base.watermark());
        long deleted = base.rowCount() + rows.rowsRead - rowCount;
        if (deleted < 0) {
            return null;
        }
        BitSet removed = deleted == 0 ? new BitSet() : findRemoved(c, base);
        rows.dropDuplicateHashParts(base, removed);
        Refs refs = Refs.read(c, base, rows);
        ValidPath[] added = rows.toValidPaths(base, removed, refs);
        StoreIndex index = base.index().withChanges(removed, added, refs.start, refs.targets);

        long[] rowIds = new long[index.size()];
        int j = 0;
        for (int i = 0; i < base.size(); i++) {
            if (!removed.get(i)) {
                rowIds[j++] = base.rowIdAt(i);
            }
        }
        for (int k = 0; k < rows.count; k++) {
            rowIds[j++] = rows.ids[k];
        }
        return new DatabaseSnapshot(index, rowIds, rowCount, Math.max(base.watermark(), maxId), fileKey);
    }

    /** Positions of {@code base} whose rows are gone: a merge of two ascending id sequences. */
    private static BitSet findRemoved(Connection c, DatabaseSnapshot base) throws SQLException {
        BitSet removed = new BitSet(base.size());
        int pos = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM ValidPaths WHERE id <= ? ORDER BY id")) {
            ps.setLong(1, base.watermark());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && pos < base.size()) {
                    long id = rs.getLong(1);
                    while (pos < base.size() && base.rowIdAt(pos) < id) {
                        removed.set(pos++);
                    }
                    if (pos < base.size() && base.rowIdAt(pos) == id) {
                        pos++;
                    }
                }
            }
        }
        removed.set(pos, base.size());
        return removed;
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows of {@code ValidPaths} above a watermark whose path parses, ascending by id. */
    private static final class NewRows {
        int rowsRead;
        int count;
        long[] ids = new long[64];
        StorePath[] paths = new StorePath[64];
        long[] registrationTimes = new long[64];
        long[] narSizes = new long[64];
        StorePath[] derivers = new StorePath[64];
        /** ids[k] - ids[0] → k, when the ids are dense enough for that to be small; else null. */
        private int[] dense;

        static NewRows read(Connection c, long watermark) throws SQLException {
            NewRows r = new NewRows();
            int skipped = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, path, registrationTime, narSize, deriver FROM ValidPaths WHERE id > ? ORDER BY id")) {
                ps.setLong(1, watermark);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        r.rowsRead++;
                        long id = rs.getLong(1);
                        String path = rs.getString(2);
                        StorePath sp = StorePath.parseAbsolute(StorePath.STORE_DIR, path).orElse(null);
                        if (sp == null) {
                            if (skipped++ < MAX_SKIP_LOG_LINES) {
                                log.warn("Skipping Nix database row {}: '{}' is not a store path under {}", id, path, StorePath.STORE_DIR);
                            }
                            continue;
                        }
                        String deriver = rs.getString(5);
                        r.add(id, sp, rs.getLong(3), rs.getLong(4),
                                deriver == null ? null : StorePath.parseAbsolute(StorePath.STORE_DIR, deriver).orElse(null));
                    }
                }
            }
            if (skipped > MAX_SKIP_LOG_LINES) {
                log.warn("Skipped {} Nix database rows whose path is not a store path", skipped);
            }
            return r;
        }

        private void add(long id, StorePath path, long registrationTime, long narSize, StorePath deriver) {
            if (count == ids.length) {
                int n = count * 2;
                ids = Arrays.copyOf(ids, n);
                paths = Arrays.copyOf(paths, n);
                registrationTimes = Arrays.copyOf(registrationTimes, n);
                narSizes = Arrays.copyOf(narSizes, n);
                derivers = Arrays.copyOf(derivers, n);
            }
            ids[count] = id;
            paths[count] = path;
            registrationTimes[count] = registrationTime;
            narSizes[count] = narSize;
            derivers[count] = deriver;
            count++;
        }

        /**
         * Nix never has two valid paths with one hash part, but the index is keyed by it, so a
         * database that does keeps the older row (lower id) and skips the other.
         */
        void dropDuplicateHashParts(DatabaseSnapshot base, BitSet removed) {
            Set<String> seen = new HashSet<>(count * 2);
            int j = 0;
            for (int k = 0; k < count; k++) {
                String hash = paths[k].hashPart();
                int old = base.index().positionOfHashPart(hash);
                boolean duplicate = (old >= 0 && !removed.get(old)) || !seen.add(hash);
                if (duplicate) {
                    log.warn("Skipping Nix database row {}: another valid path has the hash part of {}", ids[k], paths[k]);
                    continue;
                }
                ids[j] = ids[k];
                paths[j] = paths[k];
                registrationTimes[j] = registrationTimes[k];
                narSizes[j] = narSizes[k];
                derivers[j] = derivers[k];
                j++;
            }
            count = j;
            index();
        }

        /** Index of the new row with this id, or -1. */
        int indexOf(long id) {
            if (dense != null) {
                long d = id - ids[0];
                return d >= 0 && d < dense.length ? dense[(int) d] : -1;
            }
            int k = Arrays.binarySearch(ids, 0, count, id);
            return k >= 0 ? k : -1;
        }

        /**
         * Prepares {@link #indexOf} for the many lookups of a full load: a direct table when the
         * ids span at most a few times their number (typical; Nix's ids only have holes where
         * paths were deleted), binary search otherwise.
         */
        void index() {
            dense = null;
            if (count > 1024 && ids[count - 1] - ids[0] < 4L * count) {
                int[] d = new int[(int) (ids[count - 1] - ids[0] + 1)];
                Arrays.fill(d, -1);
                for (int k = 0; k < count; k++) {
                    d[(int) (ids[k] - ids[0])] = k;
                }
                dense = d;
            }
        }

        ValidPath[] toValidPaths(DatabaseSnapshot base, BitSet removed, Refs refs) {
            int oldN = base.size();
            ValidPath[] out = new ValidPath[count];
            List<StorePath> refList = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                refList.clear();
                for (int e = refs.start[k]; e < refs.start[k + 1]; e++) {
                    int t = refs.targets[e];
                    if (t >= oldN) {
                        refList.add(paths[t - oldN]);
                    } else if (!removed.get(t)) {
                        refList.add(base.index().pathAt(t).path());
                    }
                }
                out[k] = new ValidPath(paths[k], registrationTimes[k], narSizes[k], refList, derivers[k], ids[k]);
            }
            return out;
        }
    }

    /**
     * References of the new rows, in CSR form over the new rows, with targets numbered as
     * {@link RefGraph#withChanges} wants: old positions below {@code base.size()}, new rows above.
     */
    private static final class Refs {
        int[] start;
        int[] targets;

        static Refs read(Connection c, DatabaseSnapshot base, NewRows rows) throws SQLException {
            int oldN = base.size();
            int[] from = new int[Math.max(16, rows.count * 4)];
            int[] to = new int[from.length];
            int m = 0;
            int dangling = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT referrer, reference FROM Refs WHERE referrer > ?")) {
                ps.setLong(1, base.watermark());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int src = rows.indexOf(rs.getLong(1));
                        long refId = rs.getLong(2);
                        int dst;
                        if (refId > base.watermark()) {
                            int k = rows.indexOf(refId);
                            dst = k < 0 ? -1 : oldN + k;
                        } else {
                            dst = base.positionOfRowId(refId);
                        }
                        if (src < 0 || dst < 0) {
                            dangling++; // a skipped row on either end
                            continue;
                        }
                        if (m == from.length) {
                            from = Arrays.copyOf(from, m * 2);
                            to = Arrays.copyOf(to, m * 2);
                        }
                        from[m] = src;
                        to[m] = dst;
                        m++;
                    }
                }
            }
            if (dangling > 0) {
                log.debug("Ignored {} references from or to skipped rows", dangling);
            }
            return groupBySource(rows.count, from, to, m);
        }

        /** Counting sort of the edges by source row. */
        private static Refs groupBySource(int n, int[] from, int[] to, int m) {
            Refs r = new Refs();
            r.start = new int[n + 1];
            for (int e = 0; e < m; e++) {
                r.start[from[e] + 1]++;
            }
            for (int k = 0; k < n; k++) {
                r.start[k + 1] += r.start[k];
            }
            r.targets = new int[m];
            int[] fill = Arrays.copyOf(r.start, n);
            for (int e = 0; e < m; e++) {
                r.targets[fill[from[e]]++] = to[e];
            }
            return r;
        }
    }
}
