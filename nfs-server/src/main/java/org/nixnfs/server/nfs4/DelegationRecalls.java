package org.nixnfs.server.nfs4;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.nixnfs.gc.Recallable;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.StateManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GC's view of read delegations: a delegated path is held (live); before GC deletes paths it
 * recalls their delegations (a {@link RecallRound}: CB_RECALLs batched per client, sent again
 * while they do not get through) and waits for them to be returned, or revoked once a lease has
 * passed since the recall (the server's housekeeping revokes them), at most {@code maxWait}.
 */
public final class DelegationRecalls implements Recallable {
    private static final Logger log = LoggerFactory.getLogger(DelegationRecalls.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final StateManager state;
    private final CallbackChannels callbacks;
    private final RecallRound.Scheduler scheduler;
    private final Duration maxWait;

    /** @param maxWait longer than a lease, so that a client that does not return its delegation loses it first */
    public DelegationRecalls(StateManager state, RecallSender callbacks, RecallRound.Scheduler scheduler,
                             Duration maxWait) {
        this(state, CallbackChannels.sessions(state, callbacks), scheduler, maxWait);
    }

    /** @param callbacks each client's callback channel (4.1 sessions, 4.0 callback connections) */
    public DelegationRecalls(StateManager state, CallbackChannels callbacks, RecallRound.Scheduler scheduler,
                             Duration maxWait) {
        this.state = state;
        this.callbacks = callbacks;
        this.scheduler = scheduler;
        this.maxWait = maxWait;
    }

    @Override
    public Set<String> held() {
        return state.delegations().delegatedStorePaths();
    }

    @Override
    public void recall(Set<String> hashParts) throws InterruptedException {
        long started = System.nanoTime();
        List<Delegation> recalled = state.delegations().startRecall(hashParts, state.nanoTime());
        RecallRound round = new RecallRound(state, callbacks, scheduler, state::nanoTime,
                TimeUnit.SECONDS.toNanos(state.leaseSeconds()), FIRST_BACKOFF.toNanos(), MAX_BACKOFF.toNanos());
        round.start(recalled);
        Set<String> stillHeld;
        try {
            stillHeld = state.delegations().awaitReleased(hashParts, maxWait.toNanos());
        } finally {
            round.cancel();
        }
        if (!recalled.isEmpty()) {
            log.info("recalled {} delegations on {} paths in {} ms: {} CB_COMPOUNDs ({} failed), {} recalls accepted,"
                            + " {} not held, {} sent again",
                    recalled.size(), hashParts.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    round.calls(), round.failedCalls(), round.answered(), round.notHeld(), round.retries());
        }
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
