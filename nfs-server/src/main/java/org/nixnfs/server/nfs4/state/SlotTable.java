package org.nixnfs.server.nfs4.state;

import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;

/**
 * A session's fore-channel slots (RFC 8881 section 2.10.6): each slot runs one request at a time,
 * with a sequence id that must advance by one; the last reply is kept for replays when the
 * client asked for it ({@code sa_cachethis}).
 */
public final class SlotTable {
    private final int[] seqids;
    private final boolean[] inUse;
    private final byte[][] cachedReplies;
    private final boolean[] replyCached;

    public SlotTable(int slots) {
        seqids = new int[slots];
        inUse = new boolean[slots];
        cachedReplies = new byte[slots][];
        replyCached = new boolean[slots];
    }

    public int size() {
        return seqids.length;
    }

    /** The outcome of SEQUENCE's slot check: a new request, or a replay of the last one. */
    public record Admission(boolean replay, byte[] cachedReply) {
        static final Admission NEW = new Admission(false, null);
    }

    public synchronized Admission admit(int slot, int seqid) throws NfsException {
        if (slot < 0 || slot >= seqids.length) {
            throw new NfsException(NfsStatus.NFS4ERR_BADSLOT, "slot " + slot + " of " + seqids.length);
        }
        if (seqid == seqids[slot]) {
            if (inUse[slot]) {
                throw new NfsException(NfsStatus.NFS4ERR_DELAY, "slot " + slot + " is busy with this request");
            }
            if (!replyCached[slot]) {
                throw new NfsException(NfsStatus.NFS4ERR_RETRY_UNCACHED_REP);
            }
            return new Admission(true, cachedReplies[slot]);
        }
        if (seqid != seqids[slot] + 1) {
            throw new NfsException(NfsStatus.NFS4ERR_SEQ_MISORDERED,
                    "slot " + slot + " expects " + (seqids[slot] + 1) + ", got " + seqid);
        }
        if (inUse[slot]) {
            throw new NfsException(NfsStatus.NFS4ERR_DELAY, "slot " + slot + " is busy");
        }
        inUse[slot] = true;
        seqids[slot] = seqid;
        cachedReplies[slot] = null;
        replyCached[slot] = false;
        return Admission.NEW;
    }

    /** Ends the request on {@code slot}; {@code reply} is the whole COMPOUND reply if it is to be cached. */
    public synchronized void complete(int slot, byte[] reply) {
        inUse[slot] = false;
        cachedReplies[slot] = reply;
        replyCached[slot] = reply != null;
    }

    public synchronized int highestUsed() {
        int h = 0;
        for (int i = 0; i < seqids.length; i++) {
            if (seqids[i] != 0) {
                h = i;
            }
        }
        return h;
    }
}
