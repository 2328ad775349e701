package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/**
 * Limits lowered with {@code nixnfs serve}'s options hold, end to end: the server runs in its own
 * JVM as the launcher starts it, with at most 3 opens and 1 read delegation per client and a 1 s
 * stalled-record timeout. A client's 4th open is refused (NFS4ERR_RESOURCE in NFSv4.0,
 * NFS4ERR_DELAY in 4.1), its 2nd open gets no delegation, and a connection that stops half-way
 * through a record is closed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServeLimitOptionsTest {
    private static final Pattern LISTENING = Pattern.compile(" on /?([0-9.]+):([0-9]+)$");

    @Test
    void loweredLimitsFromTheCommandLineAreEnforced(@TempDir Path state) throws Exception {
        TestStore store = TestStore.get();
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.nixnfs.server.cli.Main", "serve",
                "--store-root", store.nix.storeRoot().toString(), "--state-dir", state.toString(),
                "--listen", "127.0.0.1:0", "--admin-listen", "none", "--gc-interval", "0",
                "--max-opens-per-client", "3", "--max-delegations-per-client", "1", "--stalled-record-timeout", "1s")
                .redirectErrorStream(true).start();
        try {
            InetSocketAddress server = listening(serve);
            for (int minor : List.of(0, 1)) {
                try (Nfs4TestClient c = Nfs4TestClient.connect(server, minor)) {
                    byte[] dir = c.lookup(TestStore.exportPath(store.bigDir));
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        statuses.add(open(c, dir, "owner-" + i, "entry-" + i));
                    }
                    int refused = minor == 0 ? NfsStatus.NFS4ERR_RESOURCE : NfsStatus.NFS4ERR_DELAY;
                    assertEquals(List.of(0, 0, 0, refused), statuses, "NFSv4." + minor + ": 3 opens, then refused");
                }
            }
            try (Nfs4TestClient c = Nfs4TestClient.connectWithBackchannel(server, 1)) {
                byte[] dir = c.lookup(TestStore.exportPath(store.bigDir));
                assertNotNull(c.open(dir, "entry-0").delegation());
                Nfs4TestClient.Opened second = c.open(dir, "entry-1");
                assertNull(second.delegation(), "one delegation per client: the 2nd open gets none");
                c.close(second); // and is an open all the same
            }
            try (RpcTestClient stalled = new RpcTestClient(server)) {
                // A record header announcing 1 KiB, then 10 bytes of it, then nothing.
                stalled.sendRaw(Unpooled.buffer().writeInt(0x80000000 | 1024).writeZero(10).array());
                assertTrue(stalled.closedByServer(60_000), "a connection stalled half-way through a record is closed");
            }
        } finally {
            serve.destroy(); // SIGTERM: the shutdown hook closes the server
            if (!serve.waitFor(60, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    /** OPEN (no create, read access) with a new open-owner each time, so each is a new open state; its status. */
    private static int open(Nfs4TestClient c, byte[] dir, String owner, String name) throws Exception {
        CompoundReply r = c.compound(c.newCompound().putFh(dir).op(18).i32(0).i32(1).i32(0).i64(c.clientId())
                .string(owner).i32(0).i32(0).string(name));
        r.next(22);
        return r.next(18);
    }

    /** The NFS address {@code serve} prints once it listens (it was asked for port 0). */
    private static InetSocketAddress listening(Process serve) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<InetSocketAddress> address = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    seen.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (line.startsWith("nixnfs: exporting") && m.find()) {
                        drain(out);
                        return new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
                    }
                }
            } catch (IOException e) {
                seen.append(e);
            }
            throw new AssertionError("nixnfs serve stopped before listening:\n" + seen);
        });
        return address.get(2, TimeUnit.MINUTES);
    }

    /** Keeps reading the server's output so that it never blocks on a full pipe. */
    private static void drain(BufferedReader out) {
        Thread t = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // discarded: the log of a server under test
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "serve-output");
        t.setDaemon(true);
        t.start();
    }
}
