package org.nixnfs.server.it;

import org.nixnfs.server.NixnfsServer;

/** The delegation tests' reading of {@code nixnfs_nfs_delegation_recalls_total}, by outcome. */
final class RecallMeters {
    private RecallMeters() {
    }

    /** How many recalled delegations ended with {@code outcome}: returned, not_held or revoked. */
    static double count(NixnfsServer server, String outcome) {
        return server.metrics().get("nixnfs.nfs.delegation.recalls").tag("outcome", outcome).functionCounter().count();
    }
}
