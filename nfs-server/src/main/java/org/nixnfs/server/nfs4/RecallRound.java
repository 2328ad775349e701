package org.nixnfs.server.nfs4;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.DelegationTable;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CB_RECALLs of one GC recall: per client, its delegations in as few CB_COMPOUNDs as its
 * callback channel allows ({@link CallbackChannel#batches}: a 4.1 session's backchannel or a 4.0
 * callback connection), sent at once (the session's slots
 * bound how many are in flight). What does not get through (no backchannel bound, connection
 * lost, no reply in time, NFS4ERR_DELAY, or a recall the client did not run because an earlier
 * operation failed) is sent again, batched again, after a backoff (doubling from
 * {@code firstBackoffNanos} to {@code maxBackoffNanos}), until a lease has passed since the
 * recall: by then the housekeeping revokes what was not returned.
 *
 * <p>A recall answered NFS4ERR_BADHANDLE or BAD_STATEID names a delegation the client does not
 * hold (RFC 8881 section 20.2.3). The reply to the OPEN that granted it may still be on its way
 * to the client, though (a recall can overtake it), so it is asked once more after a backoff, and
 * dropped as returned only if the answer stays the same. Answered NFS4_OK, the client owes a
 * DELEGRETURN, which GC waits for.
 */
public final class RecallRound {
    private static final Logger log = LoggerFactory.getLogger(RecallRound.class);

    /** Runs a task later: a scheduled executor, or the test's hand. */
    public interface Scheduler {
        void schedule(Runnable task, long delayNanos);
    }

    private final StateManager state;
    private final CallbackChannels channels;
    private final Scheduler scheduler;
    private final LongSupplier nanoTime;
    private final long deadlineNanos;
    private final long firstBackoffNanos;
    private final long maxBackoffNanos;
    private final Map<Delegation, Integer> badHandles = new ConcurrentHashMap<>();
    /** Clients that refused a batch as too big for all their attributes said: one recall per call from then on. */
    private final Set<ClientRecord> oneByOne = ConcurrentHashMap.newKeySet();
    private final AtomicInteger clientsLeft = new AtomicInteger();
    private volatile boolean cancelled;
    // What happened, for the log and the tests.
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failedCalls = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong notHeld = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param nanoTime the lease clock ({@link StateManager#nanoTime}); the round stops sending a
     *                 lease after it starts
     */
    public RecallRound(StateManager state, RecallSender sender, Scheduler scheduler, LongSupplier nanoTime,
                       long leaseNanos, long firstBackoffNanos, long maxBackoffNanos) {
        this(state, CallbackChannels.sessions(state, sender), scheduler, nanoTime, leaseNanos, firstBackoffNanos,
                maxBackoffNanos);
    }

    /** @param channels each client's callback channel: a session's backchannel, or a 4.0 callback connection */
    public RecallRound(StateManager state, CallbackChannels channels, Scheduler scheduler, LongSupplier nanoTime,
                       long leaseNanos, long firstBackoffNanos, long maxBackoffNanos) {
        this.state = state;
        this.channels = channels;
        this.scheduler = scheduler;
        this.nanoTime = nanoTime;
        this.deadlineNanos = nanoTime.getAsLong() + leaseNanos;
        this.firstBackoffNanos = firstBackoffNanos;
        this.maxBackoffNanos = maxBackoffNanos;
    }

    /** Sends the recalls of these delegations (just marked recalled), grouped by client. */
    public void start(List<Delegation> recalled) {
        Map<ClientRecord, List<Delegation>> byClient = new LinkedHashMap<>();
        for (Delegation d : recalled) {
            byClient.computeIfAbsent(d.client(), c -> new ArrayList<>()).add(d);
        }
        clientsLeft.set(byClient.size());
        byClient.forEach((client, ds) -> attempt(client, ds, 0));
    }

    /** GC stopped waiting: send nothing more. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether every client's recalls got through, or were given up. */
    public boolean done() {
        return clientsLeft.get() == 0;
    }

    public long calls() {
        return calls.get();
    }

    public long failedCalls() {
        return failedCalls.get();
    }

    /** Recalls the client accepted (it will return the delegation). */
    public long answered() {
        return answered.get();
    }

    /** Recalls of delegations the client said it does not hold. */
    public long notHeld() {
        return notHeld.get();
    }

    /** Recalls sent again. */
    public long retries() {
        return retries.get();
    }

    private void attempt(ClientRecord client, List<Delegation> ds, int attempt) {
        DelegationTable table = state.delegations();
        List<Delegation> pending = new ArrayList<>();
        for (Delegation d : ds) {
            if (table.awaitingReturn(d)) {
                pending.add(d);
            }
        }
        String who = Long.toHexString(client.clientId()) + " (" + client.address() + ")";
        if (pending.isEmpty() || cancelled) {
            clientsLeft.decrementAndGet();
            return;
        }
        if (nanoTime.getAsLong() - deadlineNanos >= 0) {
            log.warn("{} recalls to client {} did not get through within a lease: revoked unless returned",
                    pending.size(), who);
            clientsLeft.decrementAndGet();
            return;
        }
        if (attempt > 0) {
            retries.addAndGet(pending.size());
        }
        CallbackChannel channel = channels.of(client);
        if (channel == null) {
            if (attempt == 0) {
                log.warn("client {} has no callback channel to recall {} delegations on: trying again until it has one,"
                        + " revoked at lease end", who, pending.size());
            }
            retryLater(client, pending, attempt);
            return;
        }
        List<List<Delegation>> batches = oneByOne.contains(client)
                ? pending.stream().map(List::of).toList() : channel.batches(pending);
        List<Delegation> again = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger outstanding = new AtomicInteger(batches.size());
        AtomicReference<String> firstProblem = new AtomicReference<>();
        for (List<Delegation> batch : batches) {
            calls.incrementAndGet();
            channel.recall(batch).whenComplete((reply, failure) -> {
                if (failure != null) {
                    failedCalls.incrementAndGet();
                    firstProblem.compareAndSet(null, failure.toString());
                    again.addAll(batch);
                } else {
                    again.addAll(settle(client, batch, reply, firstProblem));
                }
                if (outstanding.decrementAndGet() == 0) {
                    if (again.isEmpty()) {
                        clientsLeft.decrementAndGet();
                    } else {
                        log.info("{} of {} recalls to client {} did not get through ({}); trying again",
                                again.size(), pending.size(), who, firstProblem.get());
                        retryLater(client, List.copyOf(again), attempt);
                    }
                }
            });
        }
    }

    /** Applies a reply to the recalls of its batch; returns those to send again. */
    private List<Delegation> settle(ClientRecord client, List<Delegation> batch, RecallReply reply,
                                    AtomicReference<String> firstProblem) {
        if (reply.sequenceStatus() != NfsStatus.NFS4_OK) {
            if (tooBig(reply.sequenceStatus())) {
                if (batch.size() == 1) {
                    log.warn("client {} ({}) cannot take a CB_RECALL on its backchannel (status {}): revoked at"
                            + " lease end", Long.toHexString(client.clientId()), client.address(), reply.sequenceStatus());
                    return List.of();
                }
                oneByOne.add(client);
            }
            failedCalls.incrementAndGet();
            firstProblem.compareAndSet(null, "CB_SEQUENCE status " + reply.sequenceStatus());
            return batch;
        }
        List<Delegation> again = new ArrayList<>();
        int[] statuses = reply.recallStatuses();
        for (int i = 0; i < batch.size(); i++) {
            Delegation d = batch.get(i);
            if (i >= statuses.length) {
                again.add(d); // not run: an earlier recall failed
            } else if (statuses[i] == NfsStatus.NFS4_OK) {
                answered.incrementAndGet();
            } else if (statuses[i] == NfsStatus.NFS4ERR_BADHANDLE || statuses[i] == NfsStatus.NFS4ERR_BAD_STATEID) {
                if (badHandles.merge(d, 1, Integer::sum) > 1) {
                    notHeld.incrementAndGet();
                    state.delegations().notHeld(d);
                } else {
                    firstProblem.compareAndSet(null, "CB_RECALL status " + statuses[i]);
                    again.add(d); // the OPEN's reply may not have reached the client yet
                }
            } else {
                firstProblem.compareAndSet(null, "CB_RECALL status " + statuses[i]);
                again.add(d);
            }
        }
        return again;
    }

    private static boolean tooBig(int status) {
        return status == NfsStatus.NFS4ERR_REQ_TOO_BIG || status == NfsStatus.NFS4ERR_TOO_MANY_OPS
                || status == NfsStatus.NFS4ERR_REP_TOO_BIG;
    }

    private void retryLater(ClientRecord client, List<Delegation> ds, int attempt) {
        long backoff = firstBackoffNanos << Math.min(attempt, 20);
        scheduler.schedule(() -> attempt(client, ds, attempt + 1), Math.min(backoff, maxBackoffNanos));
    }
}
