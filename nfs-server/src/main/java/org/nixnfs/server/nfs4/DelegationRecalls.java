package org.nixnfs.server.nfs4;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.nixnfs.gc.Recallable;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GC's view of read delegations: a delegated path is held (live); before GC deletes paths it
 * recalls their delegations (CB_RECALL over each client's backchannel) and waits for them to be
 * returned, or revoked once a lease has passed since the recall (the server's housekeeping
 * revokes them), at most {@code maxWait}. A client without a usable backchannel gets no recall
 * and loses its delegation the same way.
 */
public final class DelegationRecalls implements Recallable {
    private static final Logger log = LoggerFactory.getLogger(DelegationRecalls.class);

    private final StateManager state;
    private final CallbackClient callbacks;
    private final Duration maxWait;

    /** @param maxWait longer than a lease, so that a client that does not return its delegation loses it first */
    public DelegationRecalls(StateManager state, CallbackClient callbacks, Duration maxWait) {
        this.state = state;
        this.callbacks = callbacks;
        this.maxWait = maxWait;
    }

    @Override
    public Set<String> held() {
        return state.delegations().delegatedStorePaths();
    }

    @Override
    public void recall(Set<String> hashParts) throws InterruptedException {
        List<Delegation> recalled = state.delegations().startRecall(hashParts, state.nanoTime());
        for (Delegation d : recalled) {
            Session s = state.callbackSession(d.client());
            String client = Long.toHexString(d.client().clientId());
            if (s == null) {
                log.warn("client {} ({}) has no backchannel to recall delegation {} on: it is revoked at lease end",
                        client, d.client().address(), d.stateId());
                continue;
            }
            callbacks.recall(s, d).whenComplete((status, failure) -> {
                if (failure != null) {
                    log.warn("CB_RECALL of {} to client {} ({}) failed: {}; revoked at lease end unless returned",
                            d.stateId(), client, d.client().address(), failure.toString());
                } else if (status != 0) {
                    log.info("CB_RECALL of {} to client {}: status {}", d.stateId(), client, status);
                }
            });
        }
        Set<String> stillHeld = state.delegations().awaitReleased(hashParts, maxWait.toNanos());
        if (!stillHeld.isEmpty()) {
            log.warn("{} paths still delegated after waiting {} s for their recall: GC keeps them this time",
                    stillHeld.size(), maxWait.toSeconds());
        }
    }

    @Override
    public void recallDone(Set<String> hashParts) {
        state.delegations().endRecall(hashParts);
    }
}
