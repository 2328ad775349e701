package org.nixnfs.server.nfs4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.nfs4.state.Backchannel;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.Delegation;
import org.nixnfs.server.nfs4.state.Session;
import org.nixnfs.server.nfs4.state.StateLimits;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.FileHandle;

/**
 * The logic of one GC recall, on real delegation state, a lease clock and a scheduler the test
 * moves, and a fake backchannel that answers as told: batching by the client's back-channel
 * limits (real {@link CallbackClient#batches}), retries after failed calls, DELAY and recalls a
 * client did not run, BADHANDLE asked twice then dropped as not held, and the end of retries
 * at lease end.
 */
class RecallRoundTest {
    static final int LEASE = 90;
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    static final ChannelAttributes FORE = new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8);

    long now = 1_000 * SECOND;
    final StateManager state = new StateManager(LEASE, () -> now, StateLimits.defaults());

    /** Tasks scheduled for later, run by the test in order (each advancing the clock to its time). */
    final Deque<long[]> times = new ArrayDeque<>();
    final Deque<Runnable> tasks = new ArrayDeque<>();
    final RecallRound.Scheduler scheduler = (task, delay) -> {
        times.add(new long[] {now + delay});
        tasks.add(task);
    };

    void runScheduled() {
        long[] at = times.poll();
        now = Math.max(now, at[0]);
        tasks.poll().run();
    }

    /** Answers each call with what {@code answer} says; remembers every batch. */
    static final class FakeSender implements RecallSender {
        final List<List<Delegation>> sent = new ArrayList<>();
        BiFunction<Integer, List<Delegation>, CompletableFuture<RecallReply>> answer;

        @Override
        public List<List<Delegation>> batches(Session session, List<Delegation> ds) {
            return CallbackClient.batches(session.back().limits(), 0, ds);
        }

        @Override
        public CompletableFuture<RecallReply> recall(Session session, List<Delegation> batch) {
            sent.add(batch);
            return answer.apply(sent.size(), batch);
        }
    }

    static CompletableFuture<RecallReply> allOk(List<Delegation> batch) {
        return CompletableFuture.completedFuture(new RecallReply(NfsStatus.NFS4_OK, new int[batch.size()]));
    }

    Session session(String owner, ChannelAttributes back) throws NfsException {
        ClientRecord c = state.exchangeId(owner.getBytes(StandardCharsets.UTF_8), new byte[8], 0, "AUTH_SYS 0:0", 1,
                "10.0.0.1");
        Session s = state.createSession(c, FORE);
        s.back().configure(0x40000000, new Backchannel.Security(0, new byte[0]));
        s.back().limits(back);
        s.back().bind(new EmbeddedChannel());
        return s;
    }

    List<Delegation> delegate(Session s, int files, String path) {
        List<Delegation> ds = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            ds.add(state.delegations().grant(s.client(), new FileHandle(new byte[] {(byte) i, 7, 7, 7}), path));
        }
        return ds;
    }

    RecallRound round(FakeSender sender, Set<String> paths) {
        RecallRound r = new RecallRound(state, sender, scheduler, () -> now, LEASE * SECOND, SECOND / 4, 5 * SECOND);
        r.start(state.delegations().startRecall(paths, now));
        return r;
    }

    @Test
    void aClientThatTakesManyOperationsGetsItsRecallsInFewCalls() throws NfsException {
        Session wide = session("wide", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 17, 1));
        Session linux = session("linux", new ChannelAttributes(0, 4096, 4096, 0, 2, 1));
        delegate(wide, 40, "p");
        delegate(linux, 5, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> allOk(batch);
        RecallRound r = round(sender, Set.of("p"));
        assertTrue(r.done());
        List<Integer> wideSizes = sizesFor(sender, wide);
        List<Integer> linuxSizes = sizesFor(sender, linux);
        System.out.println("recalls per CB_COMPOUND: ca_maxoperations 17: " + wideSizes + ", 2: " + linuxSizes);
        assertEquals(List.of(16, 16, 8), wideSizes);
        assertEquals(List.of(1, 1, 1, 1, 1), linuxSizes);
        assertEquals(45, r.answered());
        assertEquals(0, r.retries());
    }

    static List<Integer> sizesFor(FakeSender sender, Session s) {
        return sender.sent.stream().filter(b -> b.get(0).client() == s.client()).map(List::size).toList();
    }

    @Test
    void aSmallRequestSizeMakesSmallerBatches() throws NfsException {
        // 100 bytes of room after CB_SEQUENCE: 3 recalls of a 4-byte handle (32 bytes each).
        int size = CallbackClient.CALL_FIXED_BYTES + 8 + 100;
        Session s = session("small", new ChannelAttributes(0, size, 4096, 0, 64, 1));
        delegate(s, 7, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> allOk(batch);
        round(sender, Set.of("p"));
        assertEquals(List.of(3, 3, 1), sender.sent.stream().map(List::size).toList());
    }

    @Test
    void failedCallsAreSentAgainWithBackoffUntilOneGetsThrough() throws NfsException {
        Session s = session("flaky", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 3, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> switch (n) {
            case 1 -> CompletableFuture.failedFuture(new IOException("the connection closed before the reply"));
            case 2 -> CompletableFuture.completedFuture(new RecallReply(NfsStatus.NFS4ERR_DELAY, new int[0]));
            // the first recall ran, the second said DELAY, the third was not run
            case 3 -> CompletableFuture.completedFuture(new RecallReply(NfsStatus.NFS4_OK,
                    new int[] {NfsStatus.NFS4_OK, NfsStatus.NFS4ERR_DELAY}));
            default -> allOk(batch);
        };
        long start = now;
        RecallRound r = round(sender, Set.of("p"));
        List<Long> delays = new ArrayList<>();
        while (!tasks.isEmpty()) {
            delays.add((times.peek()[0] - now) / TimeUnit.MILLISECONDS.toNanos(1));
            runScheduled();
        }
        assertTrue(r.done());
        System.out.println("backoffs (ms): " + delays + ", calls " + r.calls() + ", failed " + r.failedCalls()
                + ", sent again " + r.retries() + ", done after " + (now - start) / TimeUnit.MILLISECONDS.toNanos(1) + " ms");
        assertEquals(List.of(250L, 500L, 1000L), delays);
        assertEquals(List.of(3, 3, 3, 2), sender.sent.stream().map(List::size).toList(),
                "only what did not get through is sent again");
        assertEquals(3, r.answered());
        assertEquals(2, r.failedCalls(), "the third call got through, one of its recalls said DELAY");
    }

    @Test
    void noBackchannelYetMeansTryingAgainUntilTheClientBindsOne() throws NfsException {
        Session s = session("rebinding", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 2, "p");
        EmbeddedChannel lost = (EmbeddedChannel) s.back().connection();
        lost.close();
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> allOk(batch);
        RecallRound r = round(sender, Set.of("p"));
        runScheduled();
        runScheduled();
        assertEquals(0, sender.sent.size(), "nothing to send on");
        s.back().bind(new EmbeddedChannel()); // BIND_CONN_TO_SESSION after SEQUENCE said CB_PATH_DOWN_SESSION
        runScheduled();
        assertEquals(1, sender.sent.size());
        assertTrue(r.done());
        assertEquals(2, r.answered());
    }

    @Test
    void badHandleIsAskedOnceMoreThenDroppedAsNotHeld() throws NfsException {
        Session s = session("forgetful", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 2, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> CompletableFuture.completedFuture(batch.size() == 2
                ? new RecallReply(NfsStatus.NFS4_OK, new int[] {NfsStatus.NFS4_OK, NfsStatus.NFS4ERR_BADHANDLE})
                : new RecallReply(NfsStatus.NFS4_OK, new int[] {NfsStatus.NFS4ERR_BADHANDLE}));
        RecallRound r = round(sender, Set.of("p"));
        List<Delegation> ds = sender.sent.get(0); // in the order sent
        runScheduled();
        assertTrue(r.done());
        assertEquals(List.of(ds.get(1)), sender.sent.get(1), "asked once more");
        assertEquals(1, r.notHeld());
        assertFalse(state.delegations().awaitingReturn(ds.get(1)), "dropped");
        assertTrue(state.delegations().awaitingReturn(ds.get(0)), "accepted: its DELEGRETURN is awaited");
        assertEquals(1, state.delegations().recallsNotHeld());
        assertEquals(Set.of("p"), state.delegations().delegatedStorePaths());
    }

    @Test
    void retriesStopAtLeaseEndAndWhatWasNotReturnedIsRevoked() throws NfsException {
        Session s = session("silent", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 2, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> CompletableFuture.failedFuture(new IOException("no reply in time"));
        long start = now;
        RecallRound r = round(sender, Set.of("p"));
        while (!tasks.isEmpty()) {
            runScheduled();
        }
        assertTrue(r.done());
        assertTrue(now - start >= LEASE * SECOND, "sent again until lease end");
        System.out.println("unanswered: " + r.calls() + " calls over " + (now - start) / SECOND + " s");
        state.renew(s.client()); // the client keeps its lease, its callbacks fail
        state.expireStaleClients(); // the housekeeping, a lease after the recall
        assertEquals(2, state.delegations().recallsRevoked());
        assertEquals(Set.of(), state.delegations().delegatedStorePaths());
    }

    @Test
    void aDelegationReturnedMeanwhileIsNotSentAgain() throws NfsException {
        Session s = session("returning", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        List<Delegation> ds = delegate(s, 2, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> n == 1 ? CompletableFuture.failedFuture(new IOException("lost"))
                : allOk(batch);
        RecallRound r = round(sender, Set.of("p"));
        state.delegations().returned(ds.get(0)); // DELEGRETURN crossed the failed call
        runScheduled();
        assertEquals(List.of(ds.get(1)), sender.sent.get(1));
        assertTrue(r.done());
    }

    @Test
    void aBatchRefusedAsTooBigIsSentOneByOne() throws NfsException {
        Session s = session("strict", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 3, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> batch.size() > 1
                ? CompletableFuture.completedFuture(new RecallReply(NfsStatus.NFS4ERR_TOO_MANY_OPS, new int[0]))
                : allOk(batch);
        RecallRound r = round(sender, Set.of("p"));
        runScheduled();
        assertEquals(List.of(3, 1, 1, 1), sender.sent.stream().map(List::size).toList());
        assertTrue(r.done());
        assertEquals(3, r.answered());
    }

    @Test
    void cancelledRoundsSendNothingMore() throws NfsException {
        Session s = session("cancelled", new ChannelAttributes(0, 1 << 16, 1 << 16, 0, 8, 1));
        delegate(s, 1, "p");
        FakeSender sender = new FakeSender();
        sender.answer = (n, batch) -> CompletableFuture.failedFuture(new IOException("lost"));
        RecallRound r = round(sender, Set.of("p"));
        r.cancel();
        runScheduled();
        assertEquals(1, sender.sent.size());
        assertTrue(r.done());
        assertTrue(tasks.isEmpty());
    }
}
