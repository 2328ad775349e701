package org.nixnfs.gc;

import java.util.Set;

/**
 * Holds on store paths that their holders give up when asked: NFSv4 read delegations, which a
 * client keeps on files it may open again without telling the server. A held path is live; before
 * GC deletes paths, it recalls the holds on them and waits (a bounded time) for their release.
 */
public interface Recallable {
    Recallable NONE = new Recallable() {
        @Override
        public Set<String> held() {
            return Set.of();
        }

        @Override
        public void recall(Set<String> hashParts) {
        }

        @Override
        public void recallDone(Set<String> hashParts) {
        }
    };

    /** Hash parts of the paths held now. */
    Set<String> held();

    /**
     * Asks the holders of these paths to release them, and returns once none is held any more or
     * a bounded time has passed. Until {@link #recallDone}, no new hold is given on them.
     */
    void recall(Set<String> hashParts) throws InterruptedException;

    /** The run is over: holds may be given on these paths again. */
    void recallDone(Set<String> hashParts);
}
