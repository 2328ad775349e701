package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;

/**
 * Two replicas behind one address, as an operator runs them (README, "Replicas"): two nixnfs
 * server processes over two stores with the same content, the demo store built with Nix and a
 * copy of it filled by {@code nix copy}, and Debian's haproxy in TCP mode in front
 * ({@code balance first}, health checks on {@code /readyz}), started by the test on free ports.
 * One guest (nfs-server/src/test/guest/failover-check.sh) mounts through haproxy with 4.2, 4.1
 * and 4.0 at once, holds the 4 MiB blob open with a read lock on each mount, and loops (drop
 * caches, exec the demo hello, checksum it) while the host, one step at a time:
 * <ol>
 *   <li>kills the active replica with SIGKILL;
 *   <li>restarts it, and once haproxy has it up again, kills the other (now active) one;
 *   <li>restarts that one, then a rolling restart: stops (SIGTERM) the active replica, starts it
 *       again, waits until it is up;
 *   <li>the same for the other (now active) one.
 * </ol>
 * Each move sends the clients to a server that does not know them: they recover with a new
 * client id and reclaim their opens and locks (granted at any time, StateManager.checkReclaim).
 * The guest must see no error in the loop, read each held file in full through its old
 * descriptor and release its lock, and find nothing in dmesg; it reports each step's stall
 * (the longest gap between two rounds of the loop), which this test prints.
 */
@Tag("vm")
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReplicaFailoverTest {
    private static final Pattern READY = Pattern.compile("failover-check: ready for step (\\d+)");
    private static final Pattern STALL = Pattern.compile("failover-check: stall step (\\d+) ([0-9.]+) s");
    private static final Duration GUEST_LIMIT = Duration.ofSeconds(780);
    private static final String VERS = "4.2 4.1 4.0";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void clientsMoveBetweenReplicasWithoutAnError() throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "cpio", "gcc", "libc6-dev", "haproxy", "nix-bin");
        Path built = HostTools.demoStoreRoot();
        Path work = Files.createTempDirectory("nixnfs-replicas");
        Path copied = work.resolve("copied-store");
        nixCopy(built, copied);

        Replica a = new Replica("a", built, work.resolve("state-a"));
        Replica b = new Replica("b", copied, work.resolve("state-b"));
        int front = freePort();
        int stats = freePort();
        Path cfg = work.resolve("haproxy.cfg");
        Files.writeString(cfg, haproxyConfig(front, stats, a, b));
        Map<Integer, String> stalls = new HashMap<>();
        List<String> done = new ArrayList<>();
        try (HostProcess haproxy = HostProcess.start("haproxy", List.of("haproxy", "-db", "-f", cfg.toString()),
                work, Map.of(), null);
             ServerSocket signal = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            a.start();
            b.start();
            awaitUp(stats, a);
            awaitUp(stats, b);
            BlockingQueue<Integer> ready = new LinkedBlockingQueue<>();
            try (HostProcess guest = HostProcess.start("failover-check", List.of(
                            HostTools.guestDir().resolve("run-failover-check").toString(),
                            built.resolve("nix/store").toString(), Integer.toString(front), VERS,
                            Integer.toString(signal.getLocalPort())),
                    HostTools.repoRoot(), Map.of("GUEST_TIMEOUT", Long.toString(GUEST_LIMIT.toSeconds() - 20)),
                    line -> {
                        Matcher m = READY.matcher(line);
                        if (m.find()) {
                            ready.add(Integer.parseInt(m.group(1)));
                        }
                        Matcher s = STALL.matcher(line);
                        if (s.find()) {
                            stalls.put(Integer.parseInt(s.group(1)), s.group(2));
                        }
                    })) {
                long deadline = System.nanoTime() + GUEST_LIMIT.toNanos();
                for (int step = 1; ; step++) {
                    Integer asked = null;
                    while (asked == null) {
                        asked = ready.poll(1, TimeUnit.SECONDS);
                        if (asked == null && (!guest.isAlive() || System.nanoTime() > deadline)) {
                            fail("the guest stopped before step " + step + ": "
                                    + guest.failureReport(guest.await(Duration.ofSeconds(10))));
                        }
                    }
                    assertEquals(step, asked, "the guest's step");
                    String what = switch (step) {
                        case 1 -> killActive(stats, a, b);
                        case 2 -> restart(stats, a, b) + ", then " + killActive(stats, a, b);
                        case 3 -> restart(stats, a, b) + ", then " + rollingRestartOfActive(stats, a, b);
                        case 4 -> rollingRestartOfActive(stats, a, b);
                        default -> "finished";
                    };
                    done.add(what);
                    tellGuest(signal, what);
                    if (what.equals("finished")) {
                        break;
                    }
                }
                int rc = guest.await(GUEST_LIMIT);
                System.out.println("[failover-check] host: steps " + done + "; stalls (s) by step " + stalls);
                KernelClientTest.assertGuestPassed(guest, rc);
            }
        } finally {
            a.kill();
            b.kill();
            HostTools.deleteTree(work);
        }
    }

    /** One nixnfs serve process over its own store and state directory, on fixed (free) ports across restarts. */
    static final class Replica {
        final String name;
        final Path storeRoot;
        final Path state;
        final int port;
        final int admin;
        Process process;

        Replica(String name, Path storeRoot, Path state) throws IOException {
            this.name = name;
            this.storeRoot = storeRoot;
            this.state = Files.createDirectories(state);
            this.port = freePort();
            this.admin = freePort();
        }

        void start() throws IOException {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    "org.nixnfs.server.cli.Main", "serve", "--store-root", storeRoot.toString(),
                    "--listen", "127.0.0.1:" + port, "--admin-listen", "127.0.0.1:" + admin,
                    "--state-dir", state.toString(), "--gc-interval", "0")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("server.log").toFile()))
                    .start();
        }

        void kill() throws InterruptedException {
            if (process != null) {
                process.destroyForcibly().waitFor();
            }
        }

        void stop() throws InterruptedException {
            process.destroy(); // SIGTERM: the server's orderly shutdown
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                fail("replica " + name + " did not stop within 60 s of SIGTERM");
            }
        }

        boolean alive() {
            return process != null && process.isAlive();
        }
    }

    private String killActive(int stats, Replica a, Replica b) throws Exception {
        Replica active = active(stats, a, b);
        active.kill();
        return "kill -9 of " + active.name;
    }

    private String rollingRestartOfActive(int stats, Replica a, Replica b) throws Exception {
        Replica active = active(stats, a, b);
        active.stop();
        active.start();
        awaitUp(stats, active);
        return "rolling restart of " + active.name;
    }

    /** Starts the replica that is not running, and waits until haproxy has it up. */
    private String restart(int stats, Replica a, Replica b) throws Exception {
        Replica down = a.alive() ? b : a;
        assertTrue(!down.alive(), "both replicas are running");
        down.start();
        awaitUp(stats, down);
        return "restarted " + down.name;
    }

    /** The replica haproxy sends the guest's connections to: the one with current sessions. */
    private Replica active(int stats, Replica a, Replica b) throws Exception {
        Map<String, String[]> rows = stats(stats);
        int sa = Integer.parseInt(rows.get("a")[4]);
        int sb = Integer.parseInt(rows.get("b")[4]);
        System.out.println("[failover-check] host: haproxy sessions: a " + sa + ", b " + sb);
        assertTrue(sa > 0 || sb > 0, "no replica has a session from the guest");
        return sa >= sb ? a : b;
    }

    private void awaitUp(int stats, Replica r) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String status = "";
        while (System.nanoTime() < deadline) {
            String[] row;
            try {
                row = stats(stats).get(r.name);
            } catch (IOException e) { // haproxy is not listening yet
                row = null;
            }
            status = row == null ? "(no row)" : row[17];
            if (status.startsWith("UP") && !status.contains("/")) {
                return;
            }
            if (!r.alive()) {
                fail("replica " + r.name + " exited: " + Files.readString(r.state.resolve("server.log")));
            }
            Thread.sleep(200);
        }
        fail("haproxy did not see replica " + r.name + " up within 120 s: " + status);
    }

    /** haproxy's statistics for the backend's servers, by name (CSV columns: 4 scur, 17 status). */
    private Map<String, String[]> stats(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/stats;csv"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String[]> rows = new HashMap<>();
        for (String line : r.body().split("\n")) {
            String[] f = line.split(",", -1);
            if (f.length > 17 && f[0].equals("replicas") && !f[1].equals("BACKEND")) {
                rows.put(f[1], f);
            }
        }
        return rows;
    }

    private static String haproxyConfig(int front, int stats, Replica a, Replica b) {
        return String.join("\n",
                "defaults",
                "  mode tcp",
                "  timeout connect 2s",
                "  timeout client 1h",
                "  timeout server 1h",
                "  timeout check 2s",
                "  retries 3",
                "  option redispatch",
                "frontend nfs",
                "  bind 127.0.0.1:" + front,
                "  default_backend replicas",
                "backend replicas",
                "  balance first",
                "  option httpchk GET /readyz",
                "  default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions",
                "  server a 127.0.0.1:" + a.port + " check port " + a.admin,
                "  server b 127.0.0.1:" + b.port + " check port " + b.admin,
                "listen stats",
                "  bind 127.0.0.1:" + stats,
                "  mode http",
                "  stats enable",
                "  stats uri /stats",
                "");
    }

    /** The second store: every path of the first, copied by Nix (the same bytes, registered anew). */
    private static void nixCopy(Path from, Path to) throws Exception {
        try (HostProcess p = HostProcess.start("nix copy", List.of("nix", "--extra-experimental-features", "nix-command",
                        "copy", "--no-check-sigs", "--from", from.toString(), "--to", to.toString(), "--all"),
                HostTools.repoRoot(), Map.of("NIX_CONFIG", "substituters =\nbuild-users-group ="), null)) {
            int rc = p.await(Duration.ofMinutes(5));
            if (rc != 0) {
                fail("nix copy failed: " + p.failureReport(rc));
            }
        }
    }

    private static void tellGuest(ServerSocket signal, String message) throws IOException {
        signal.setSoTimeout(120_000);
        try (Socket s = signal.accept(); OutputStream out = s.getOutputStream()) {
            out.write((message + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
