package org.nixnfs.store;

import java.util.Arrays;

/**
 * A {@link StoreIndex} together with what is needed to bring it up to date incrementally: the
 * database row id of every indexed path and the table's row count and id watermark when read.
 */
final class DatabaseSnapshot {
    static final DatabaseSnapshot EMPTY = new DatabaseSnapshot(StoreIndex.empty(), new long[0], 0, 0, null);

    private final StoreIndex index;
    private final long[] rowIds;
    private final long rowCount;
    private final long watermark;
    private final Object fileKey;

    /**
     * @param index     the snapshot
     * @param rowIds    {@code ValidPaths.id} of the path at each position of {@code index}, ascending
     * @param rowCount  rows in {@code ValidPaths} when read, including rows that were skipped
     * @param watermark every row with an id up to this one has been seen (Nix's ids are
     *                  AUTOINCREMENT, so new rows always come above it)
     * @param fileKey   identity (device, inode) of the database file when read; a different one
     *                  means the file was replaced and nothing incremental can be trusted
     */
    DatabaseSnapshot(StoreIndex index, long[] rowIds, long rowCount, long watermark, Object fileKey) {
        if (rowIds.length != index.size()) {
            throw new IllegalArgumentException("row ids do not match the index");
        }
        this.index = index;
        this.rowIds = rowIds;
        this.rowCount = rowCount;
        this.watermark = watermark;
        this.fileKey = fileKey;
    }

    /**
     * This snapshot serving {@code sameContent} instead of its own index, so that a full reload
     * that found nothing new does not make readers see a new (if equal) index object.
     */
    DatabaseSnapshot withIndex(StoreIndex sameContent) {
        if (!index.sameContentAs(sameContent)) {
            throw new IllegalArgumentException("index differs");
        }
        return new DatabaseSnapshot(sameContent, rowIds, rowCount, watermark, fileKey);
    }

    StoreIndex index() {
        return index;
    }

    long rowCount() {
        return rowCount;
    }

    long watermark() {
        return watermark;
    }

    Object fileKey() {
        return fileKey;
    }

    int size() {
        return rowIds.length;
    }

    long rowIdAt(int position) {
        return rowIds[position];
    }

    /** The position of the path with this row id, or -1. */
    int positionOfRowId(long id) {
        int i = Arrays.binarySearch(rowIds, id);
        return i >= 0 ? i : -1;
    }
}
