package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.nfs4.state.StateLimits;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/**
 * One client trying to exhaust the server, four ways: opening files without end, creating
 * 10,000 client ids, holding 2,000 idle connections, sending half records. Each time it comes
 * from 127.0.0.2 while a well-behaved client on 127.0.0.1 reads a 2.7 MB file; that client's
 * median latency is compared with a baseline taken in the same test (a generous factor, no
 * absolute times), and once the bad client is gone the server's heap and file descriptors (this
 * JVM's: the server runs in it) return to their baseline. Leases run on a clock the test moves:
 * the bad client's state expires when the test says so, never during an attack, and no test waits
 * out a lease.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExhaustionTest {
    static final InetAddress GOOD = ClientAccessTest.address("127.0.0.1");
    static final InetAddress BAD = ClientAccessTest.address("127.0.0.2");
    static final int SLOWDOWN_FACTOR = 25;
    static final int LEASE_SECONDS = 90;
    /** The clock leases run on: moved past a lease once an attack is over. */
    static final MutableClock leaseClock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    static TestStore store;
    static NixnfsServer server;
    static byte[] expected;

    @BeforeAll
    static void start() throws Exception {
        store = TestStore.get();
        StateLimits limits = StateLimits.builder().maxClients(3_000).maxClientsPerAddress(1_000).maxOpensPerClient(2_000)
                .maxOpens(100_000).maxLocksPerClient(1_000).maxLocks(100_000).build();
        server = NixnfsServer.start(NixnfsServer.Config.builder(store.nix.storeRoot(),
                        new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-state"))
                .leaseSeconds(LEASE_SECONDS)
                .security(SecuritySettings.builder().maxConnectionsPerClient(2_100).stateLimits(limits)
                        .stalledRecordTimeout(Duration.ofSeconds(2)).build())
                .build(), () -> TimeUnit.MILLISECONDS.toNanos(leaseClock.millis()));
        expected = Files.readAllBytes(blobPath());
        goodReadMillis(); // warm up
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Path blobPath() {
        return store.onDisk(store.blob).resolve("blob.bin");
    }

    /** The good client: connect from 127.0.0.1, read the blob, check it; milliseconds taken. */
    static double goodReadMillis() throws IOException {
        long t0 = System.nanoTime();
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1, GOOD)) {
            byte[] fh = c.lookup(TestStore.exportPath(store.blob) + "/blob.bin");
            assertArrayEquals(expected, c.readAll(fh, 0, Nfs4TestClient.ANONYMOUS_STATEID, 1 << 20));
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    static double medianGoodReadMillis() throws IOException {
        double[] t = new double[9];
        for (int i = 0; i < t.length; i++) {
            t[i] = goodReadMillis();
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    record Baseline(double latencyMillis, long heapBytes, long fds) {
    }

    static Baseline baseline() throws IOException {
        return new Baseline(medianGoodReadMillis(), heapAfterGc(), fds());
    }

    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long fds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** The good client's reads while the attack goes on: no more than a generous factor slower. */
    static void assertGoodClientServed(String attack, Baseline base) throws IOException {
        double during = medianGoodReadMillis();
        System.out.printf("%s: good client's median read %.1f ms (baseline %.1f ms)%n", attack, during, base.latencyMillis());
        assertTrue(during <= SLOWDOWN_FACTOR * base.latencyMillis(), attack + ": the good client's median read took "
                + during + " ms, baseline " + base.latencyMillis() + " ms");
    }

    /** Once the bad client is gone: heap and file descriptors back to the baseline (waited for, not slept for). */
    static void assertBackToBaseline(String attack, Baseline base) throws Exception {
        long slack = 32L << 20;
        waitFor(() -> {
            try {
                return fds() <= base.fds() + 16 && heapAfterGc() <= base.heapBytes() + slack;
            } catch (IOException e) {
                return false;
            }
        }, attack + ": fds " + fds() + " (baseline " + base.fds() + "), heap " + heapAfterGc() + " (baseline "
                + base.heapBytes() + ")");
        System.out.printf("%s: after: fds %d (baseline %d), heap %d MiB (baseline %d MiB)%n", attack, fds(), base.fds(),
                heapAfterGc() >> 20, base.heapBytes() >> 20);
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 120 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Runs the attack in the background until it ends or is stopped; the good client measures meanwhile. */
    static CompletableFuture<Void> inBackground(Attack a) {
        return CompletableFuture.runAsync(() -> {
            try {
                a.run();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    interface Attack {
        void run() throws Exception;
    }

    @Test
    void openingFilesWithoutEnd() throws Exception {
        Baseline base = baseline();
        AtomicBoolean refused = new AtomicBoolean();
        int[] opened = new int[1];
        CompletableFuture<Void> attack = inBackground(() -> {
            try (Nfs4TestClient bad = Nfs4TestClient.connect(server.address(), 1, BAD)) {
                byte[] dir = bad.lookup(TestStore.exportPath(store.bigDir));
                for (int i = 0; i < 100_000 && !refused.get(); i++) {
                    // A new open-owner each time: a new open state each time.
                    CompoundReply r = bad.compound(bad.newCompound().putFh(dir).op(18).i32(0).i32(1).i32(0)
                            .i64(bad.clientId()).string("owner-" + i).i32(0).i32(0).string("entry-" + (i % 1000)));
                    r.next(22);
                    int status = r.next(18);
                    if (status == NfsStatus.NFS4ERR_DELAY) {
                        refused.set(true);
                    } else {
                        assertEquals(0, status);
                        opened[0]++;
                    }
                }
            }
        });
        assertGoodClientServed("opening files without end", base);
        attack.get(5, TimeUnit.MINUTES);
        assertTrue(refused.get(), "the bad client was refused");
        assertEquals(2_000, opened[0], "it got its 2,000 opens (its per-client limit), no more");
        leaseClock.advance(Duration.ofSeconds(2 * LEASE_SECONDS));
        waitFor(() -> server.state().openCount() == 0, "the bad client's opens expire with its lease");
        assertBackToBaseline("opening files without end", base);
    }

    @Test
    void creatingTenThousandClientIds() throws Exception {
        Baseline base = baseline();
        int[] granted = new int[1];
        int[] refused = new int[1];
        CompletableFuture<Void> attack = inBackground(() -> {
            try (Nfs4TestClient bad = Nfs4TestClient.connectBare(server.address(), 1, BAD)) {
                for (int i = 0; i < 10_000; i++) {
                    CompoundReply r = bad.raw(new Compound(1).op(42).fixed(new byte[8])
                            .string("bad-client-" + i).i32(0).i32(0).i32(0));
                    if (r.status() == 0) {
                        granted[0]++;
                    } else {
                        assertEquals(NfsStatus.NFS4ERR_DELAY, r.status());
                        refused[0]++;
                    }
                }
            }
        });
        assertGoodClientServed("creating 10,000 client ids", base);
        attack.get(5, TimeUnit.MINUTES);
        System.out.printf("creating 10,000 client ids: %d granted, %d refused%n", granted[0], refused[0]);
        assertEquals(10_000, granted[0] + refused[0]);
        assertTrue(refused[0] > 0, "the address ran into its limit");
        assertEquals(1_000, granted[0], "its address got its share of client ids, no more");
        leaseClock.advance(Duration.ofSeconds(2 * LEASE_SECONDS));
        waitFor(() -> server.state().clientCount() == 0, "unconfirmed client ids expire");
        assertBackToBaseline("creating 10,000 client ids", base);
    }

    @Test
    void holdingTwoThousandIdleConnections() throws Exception {
        Baseline base = baseline();
        List<RpcTestClient> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 2_000; i++) {
                idle.add(new RpcTestClient(server.address(), BAD));
            }
            assertGoodClientServed("holding 2,000 idle connections", base);
        } finally {
            for (RpcTestClient c : idle) {
                c.close();
            }
        }
        assertBackToBaseline("holding 2,000 idle connections", base);
    }

    @Test
    void sendingHalfRecords() throws Exception {
        Baseline base = baseline();
        List<RpcTestClient> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                RpcTestClient c = new RpcTestClient(server.address(), BAD);
                // A record header announcing 1 MiB, then 1,000 bytes of it, then nothing.
                byte[] half = Unpooled.buffer().writeInt(0x80000000 | (1 << 20)).writeZero(1_000).array();
                c.sendRaw(Arrays.copyOf(half, 1_004));
                stalled.add(c);
            }
            assertGoodClientServed("sending half records", base);
            for (RpcTestClient c : stalled) {
                assertTrue(c.closedByServer(60_000), "a connection stalled half-way through a record is closed");
            }
        } finally {
            for (RpcTestClient c : stalled) {
                c.close();
            }
        }
        assertBackToBaseline("sending half records", base);
    }
}
