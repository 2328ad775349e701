package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * {@code nixnfs usage}, {@code nixnfs pin} and {@code nixnfs gc} as an operator runs them: the
 * CLI in its own process ({@code org.nixnfs.server.cli.Main}, what the launcher runs) against a
 * running server's admin listener, over a real Nix store. A pin survives a restart of the server,
 * and {@code nixnfs gc} (a real run, not a dry run) deletes through Nix exactly what is dead.
 */
class CliTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void usagePinAndGcThroughTheCliAgainstARunningServer(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath used = nix.addText("used", "read by an executor\n");
        StorePath pinned = nix.addText("pinned", "kept by an operator\n");
        StorePath dead = nix.addText("dead", "nobody wants this\n");
        Path state = Files.createDirectories(dir.resolve("state"));

        try (NixnfsServer server = start(nix, state);
             Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1)) {
            c.readAll(c.lookup("/nix/store/" + used.baseName()), 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096);
            String admin = admin(server);

            Map<String, JsonNode> usage = usage(admin);
            assertEquals(3, usage.size(), usage.toString());
            assertTrue(usage.get(used.baseName()).get("lastAccessMillis").asLong() > 0, "the read is recorded");
            assertTrue(usage.get(used.baseName()).get("clients").has("127.0.0.1"), usage.get(used.baseName()).toString());
            assertEquals(0, usage.get(dead.baseName()).get("lastAccessMillis").asLong(), "never used");
            Cli table = cli("usage", "--admin", admin, "--sort", "last-access");
            assertEquals(0, table.rc(), table.toString());
            assertTrue(table.out().indexOf(dead.baseName()) < table.out().indexOf(used.baseName()),
                    "least recently used first:\n" + table.out());

            Cli pin = cli("pin", "--admin", admin, "/nix/store/" + pinned.baseName());
            assertEquals(0, pin.rc(), pin.toString());
            assertTrue(pin.out().contains("pinned /nix/store/" + pinned.baseName()), pin.out());
        }

        // A new server process over the same state directory still has the pin (and the use).
        try (NixnfsServer server = start(nix, state)) {
            String admin = admin(server);
            Cli pins = cli("pin", "--admin", admin);
            assertEquals(0, pins.rc(), pins.toString());
            assertEquals("/nix/store/" + pinned.baseName(), pins.out().strip(), "the pin survived the restart");

            // A real collection: no grace for fresh registrations, the default 14 days for uses.
            Cli gc = cli("gc", "--admin", admin, "--grace", "0s");
            assertEquals(0, gc.rc(), gc.toString());
            assertTrue(gc.out().contains("deleted /nix/store/" + dead.baseName()), gc.out());
            assertTrue(gc.out().contains("freed ") && gc.out().contains(" in 1 paths"), gc.out());
            assertFalse(nix.isValid(dead), "Nix deleted the dead path");
            assertTrue(nix.isValid(used) && nix.isValid(pinned), "the used and the pinned path stay");

            // Unpinned, the pinned path is as dead as the other was.
            Cli unpin = cli("pin", "--admin", admin, "--remove", "/nix/store/" + pinned.baseName());
            assertEquals(0, unpin.rc(), unpin.toString());
            gc = cli("gc", "--admin", admin, "--grace", "0s");
            assertEquals(0, gc.rc(), gc.toString());
            assertFalse(nix.isValid(pinned), "unpinned and unused: deleted\n" + gc.out());
            assertTrue(nix.isValid(used), gc.out());
        }
        nix.nix(null, "nix-store", "--verify", "--check-contents");
    }

    @Test
    void theCliSaysClearlyWhenNoServerAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String command : List.of("usage", "pin", "gc")) {
            Cli r = cli(command, "--admin", "127.0.0.1:" + port);
            assertEquals(1, r.rc(), r.toString());
            assertTrue(r.err().startsWith("nixnfs: ") && !r.err().contains("\tat "), "one clear line: " + r.err());
        }
    }

    private static NixnfsServer start(NixStoreFixture nix, Path state) throws Exception {
        return NixnfsServer.start(NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0), state)
                .adminListen(new InetSocketAddress("127.0.0.1", 0)).build());
    }

    private static String admin(NixnfsServer server) {
        return "127.0.0.1:" + server.adminAddress().getPort();
    }

    /** {@code nixnfs usage --json}, by store path base name. */
    private Map<String, JsonNode> usage(String admin) throws Exception {
        Cli r = cli("usage", "--admin", admin, "--json");
        assertEquals(0, r.rc(), r.toString());
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode e : json.readTree(r.out()).get("paths")) {
            byName.put(e.get("path").asText().replace("/nix/store/", ""), e);
        }
        return byName;
    }

    /** A finished CLI process. */
    record Cli(int rc, String out, String err) {
        @Override
        public String toString() {
            return "exit " + rc + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** Runs {@code nixnfs ARGS...} in its own JVM, as the launcher does. */
    private static Cli cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.nixnfs.server.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = read(p.getInputStream());
        CompletableFuture<String> err = read(p.getErrorStream());
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("nixnfs " + String.join(" ", args) + " did not finish");
        }
        return new Cli(p.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> read(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
