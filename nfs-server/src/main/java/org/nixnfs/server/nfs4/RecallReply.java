package org.nixnfs.server.nfs4;

import org.nixnfs.server.status.NfsStatus;

/**
 * A client's answer to a CB_COMPOUND of CB_SEQUENCE and CB_RECALLs: CB_SEQUENCE's status, and
 * the status of each CB_RECALL it ran, in order. A client stops at the first failing operation,
 * so {@code recallStatuses} may be shorter than the batch: the rest were not run.
 */
public record RecallReply(int sequenceStatus, int[] recallStatuses) {
    /**
     * Whether the client's slot moved to the call's sequence id: it ran CB_SEQUENCE, or says it
     * already had (a call that timed out yet reached it, sent again).
     */
    boolean slotAdvanced() {
        return sequenceStatus == NfsStatus.NFS4_OK || sequenceStatus == NfsStatus.NFS4ERR_RETRY_UNCACHED_REP;
    }
}
