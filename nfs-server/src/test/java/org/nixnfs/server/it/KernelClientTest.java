package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.nfs4.AccessRecorder;
import org.nixnfs.server.nfs4.CompoundObserver;
import org.nixnfs.server.nfs4.OpCode;
import org.nixnfs.server.status.NfsStatus;

/**
 * Linux's own NFS client against the server: a qemu guest (vm/run-guest, software emulation)
 * mounts the demo store (scripts/make-demo-store) at /nix/store, as a Bazel executor does,
 * from an in-process server on 127.0.0.1. The guest's output goes to the test log
 * (target/surefire-reports/...-output.txt, lines prefixed with the run's name); a failure
 * quotes the guest's FAIL lines.
 *
 * <ul>
 *   <li>{@code mountCheck}: nfs-server/src/test/guest/run-mount-check with vers=4.0, 4.1 and
 *       4.2: listing, types and modes, every file's sha256, readlink, non-ASCII names byte for
 *       byte, running the demo hello, EROFS on writes. (The guest's busybox mount without
 *       vers= gets 4.0, the kernel's default without mount.nfs: the 4.0 case covers it.)
 *   <li>{@code survivesServerRestart}: run-restart-check: the guest mounts the store with
 *       4.2 (Linux's default with mount.nfs), 4.1 and 4.0 at once, reads everything and holds
 *       a file open on each mount; on its "ready for restart" line the server is closed and a
 *       new one started on the same port over the same store; the guest then reads everything
 *       again on every mount (caches dropped) and must get the same bytes, no ESTALE, no EIO.
 * </ul>
 * <p>Each case checks, in the guest's /proc/mounts, that every mount got the version it asked for.
 *
 * <p>Each case boots its own VM (TCG: 25-50 s a run, boot included). The three mount checks
 * start in {@code @BeforeAll}, two VMs at a time ({@code -Dnixnfs.vm.parallel=N}); the restart
 * case then runs on its own. The class takes about 1.5 min on a busy 2-core machine.
 */
@Tag("vm")
@Tag("slow")
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelClientTest {
    private static final String READY = "restart-check: ready for restart";
    private static final Duration GUEST_LIMIT = Duration.ofSeconds(300);
    private static final List<String> MOUNT_CHECK_VERSIONS = List.of("4.0", "4.1", "4.2");
    /** VMs booted at once for the mount checks (-Dnixnfs.vm.parallel=1 for one at a time). */
    private static final int VM_PARALLEL = Math.max(1, Integer.getInteger("nixnfs.vm.parallel", 2));
    private static final Map<String, Future<GuestRun>> mountChecks = new ConcurrentHashMap<>();
    private static ExecutorService vms;

    static Path storeRoot;
    static Path storeDir;
    static NixnfsServer server;
    /** Set when a server's close() hung: SQLite is then stuck in this JVM, and later cases would hang too. */
    static volatile String wedged;

    @BeforeAll
    static void start() throws Exception {
        // What vm/run-guest and run-mount-check need: fail at once, naming scripts/install-deps.
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "cpio", "gcc", "libc6-dev");
        storeRoot = HostTools.demoStoreRoot();
        storeDir = storeRoot.resolve("nix/store");
        server = ServerHarness.start(storeRoot, 90, 0);
        // The mount checks only read from the shared server, so their VMs boot up front,
        // VM_PARALLEL at a time (each VM keeps one core busy); each case awaits its own.
        vms = Executors.newFixedThreadPool(VM_PARALLEL, r -> {
            Thread t = new Thread(r, "mount-check");
            t.setDaemon(true);
            return t;
        });
        for (String vers : MOUNT_CHECK_VERSIONS) {
            mountChecks.put(vers, vms.submit(() -> runMountCheck(vers)));
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (vms != null) {
            vms.shutdownNow(); // interrupts runs still going: HostProcess.close kills their VMs
            vms.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (server != null) {
            closeWithin(server, "the shared server");
        }
    }

    @BeforeEach
    void notWedged() {
        if (wedged != null) {
            fail("not run: " + wedged);
        }
    }

    /** A finished guest run: its exit status and output. */
    record GuestRun(HostProcess guest, int rc) {
    }

    static GuestRun runMountCheck(String vers) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                HostTools.guestDir().resolve("run-mount-check").toString(),
                storeDir.toString(), Integer.toString(server.address().getPort()), vers));
        try (HostProcess guest = HostProcess.start("mount-check " + vers, cmd, HostTools.repoRoot(),
                Map.of("GUEST_TIMEOUT", Long.toString(GUEST_LIMIT.toSeconds() - 20)), null)) {
            return new GuestRun(guest, guest.await(GUEST_LIMIT));
        }
    }

    @Order(1)
    @ParameterizedTest(name = "vers={0}")
    @ValueSource(strings = {"4.0", "4.1", "4.2"})
    void mountCheck(String vers) throws Exception {
        GuestRun run = mountChecks.get(vers).get();
        assertGuestPassed(run.guest(), run.rc());
        assertEquals(List.of(vers), mountedVersions(run.guest(), "mount-check: mounted with "));
        // The demo store's demo-names path (made by Nix) has UTF-8 names, NFC and NFD among them.
        assertTrue(run.guest().lines().stream().anyMatch(l -> l.contains("PASS: non-ASCII names")),
                "the guest did not check the demo store's non-ASCII names");
        // mount-check.sh skips a check whose expected data is missing: for the demo store none may be.
        assertEquals(List.of(), run.guest().lines().stream().filter(l -> l.contains("SKIP: ")).toList(),
                "every check of mount-check.sh ran");
    }

    @Order(2)
    @ParameterizedTest(name = "vers={0}")
    @ValueSource(strings = {"4.2 4.1 4.0"}) // one guest, three live mounts across the one restart
    void survivesServerRestart(String vers) throws Exception {
        Path state = Files.createTempDirectory("nixnfs-state");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        NixnfsServer first = null;
        NixnfsServer second = null;
        try (ServerSocket signal = new ServerSocket(0, 1, loopback)) {
            first = NixnfsServer.start(config(state, 0));
            int port = first.address().getPort();
            CountDownLatch ready = new CountDownLatch(1);
            try (HostProcess guest = HostProcess.start("restart-check " + vers, List.of(
                            HostTools.guestDir().resolve("run-restart-check").toString(), storeDir.toString(),
                            Integer.toString(port), vers, Integer.toString(signal.getLocalPort())),
                    HostTools.repoRoot(),
                    Map.of("GUEST_TIMEOUT", Long.toString(GUEST_LIMIT.toSeconds() - 20), "RESTART_WAIT", "120"),
                    line -> {
                        if (line.contains(READY)) {
                            ready.countDown();
                        }
                    })) {
                long deadline = System.nanoTime() + GUEST_LIMIT.toNanos();
                while (!ready.await(1, TimeUnit.SECONDS)) {
                    if (!guest.isAlive() || System.nanoTime() > deadline) {
                        int rc = guest.await(Duration.ofSeconds(10));
                        fail("the guest never got ready for the restart: " + guest.failureReport(rc));
                    }
                }

                long t0 = System.nanoTime();
                NixnfsServer closing = first;
                first = null;
                closeWithin(closing, "the first server");
                StatusCounter seen = new StatusCounter();
                second = NixnfsServer.start(config(state, port), AccessRecorder.NONE, seen);
                assertEquals(port, second.address().getPort());
                System.out.printf("[restart-check %s] host: server restarted on port %d in %d ms%n", vers, port,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                tellGuest(signal, "restarted");

                int rc = guest.await(GUEST_LIMIT);
                System.out.println("[restart-check " + vers + "] host: the new server answered " + seen);
                assertGuestPassed(guest, rc);
                assertEquals(List.of(vers.split(" ")), mountedVersions(guest, "restart-check: "));
                assertTrue(seen.total() > 0, "the guest's reads after the restart never reached the new server");
                List<String> bad = seen.matching(NfsStatus.NFS4ERR_STALE, NfsStatus.NFS4ERR_BADHANDLE,
                        NfsStatus.NFS4ERR_IO);
                assertTrue(bad.isEmpty(), "the new server answered " + bad);
            }
        } finally {
            if (first != null) {
                closeWithin(first, "the first server");
            }
            if (second != null) {
                closeWithin(second, "the restarted server");
            }
        }
    }

    /**
     * Closes a server, failing (instead of hanging the build) when that takes more than 30 s:
     * the message has the stack of the stuck close. A stuck close is left behind on a daemon thread.
     */
    static void closeWithin(NixnfsServer s, String what) throws InterruptedException {
        Thread t = new Thread(s::close, "close " + what);
        t.setDaemon(true);
        t.start();
        t.join(30_000);
        if (t.isAlive()) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement e : t.getStackTrace()) {
                stack.append("\n\tat ").append(e);
            }
            wedged = what + " did not close within 30 s (an earlier case)";
            fail(what + " did not close within 30 s (NixnfsServer.close() hangs), stuck at:" + stack);
        }
    }

    /** What a restarted nixnfs gets: the same store, listen address and state directory. */
    private static NixnfsServer.Config config(Path state, int port) {
        return NixnfsServer.Config.builder(storeRoot, new InetSocketAddress("127.0.0.1", port), state)
                .leaseSeconds(90).build();
    }

    /** Answers the guest's connection to the signal port with one line. */
    private static void tellGuest(ServerSocket signal, String message) throws IOException {
        signal.setSoTimeout(60_000);
        try (Socket s = signal.accept(); OutputStream out = s.getOutputStream()) {
            out.write((message + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException e) {
            fail("the guest did not connect to the signal port within 60 s after the restart");
        }
    }

    /**
     * The NFS version of each mount the guest reports, in order: the vers= option of its
     * /proc/mounts line, which the guest prints after {@code prefix} ("... mounted with OPTS").
     */
    static List<String> mountedVersions(HostProcess guest, String prefix) {
        List<String> versions = new ArrayList<>();
        for (String line : guest.lines()) {
            int at = line.indexOf(prefix);
            int with = line.indexOf("mounted with ", Math.max(at, 0));
            if (at >= 0 && with >= 0) {
                String opts = line.substring(with + "mounted with ".length()).trim();
                versions.add(List.of(opts.split(",")).stream().filter(o -> o.startsWith("vers="))
                        .map(o -> o.substring("vers=".length())).findFirst().orElse("none in " + opts));
            }
        }
        return versions;
    }

    static void assertGuestPassed(HostProcess guest, int rc) {
        if (rc != 0) {
            fail(guest.failureReport(rc));
        }
        int[] summary = guest.summary();
        assertNotNull(summary, "no 'N passed, N failed' line from the guest");
        assertTrue(summary[0] > 0 && summary[1] == 0, "guest summary: " + summary[0] + " passed, " + summary[1] + " failed");
    }

    /** Counts the operations a server answered, by operation and status. */
    static final class StatusCounter implements CompoundObserver {
        private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        private final LongAdder total = new LongAdder();

        @Override
        public void operation(int opcode, int status, long nanos) {
            total.increment();
            counts.computeIfAbsent(OpCode.name(opcode) + " " + NfsStatus.name(status), k -> new LongAdder()).increment();
        }

        long total() {
            return total.sum();
        }

        List<String> matching(int... statuses) {
            List<String> out = new ArrayList<>();
            for (int s : statuses) {
                String suffix = " " + NfsStatus.name(s);
                counts.forEach((k, v) -> {
                    if (k.endsWith(suffix)) {
                        out.add(k + " x" + v.sum());
                    }
                });
            }
            return out;
        }

        @Override
        public String toString() {
            Map<String, Long> sorted = new TreeMap<>();
            counts.forEach((k, v) -> sorted.put(k, v.sum()));
            return total.sum() + " operations: " + sorted;
        }
    }
}
