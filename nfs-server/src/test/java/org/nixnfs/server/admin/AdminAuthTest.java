package org.nixnfs.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.cli.Main;
import org.nixnfs.server.metrics.ScrapeFixture;
import picocli.CommandLine;

/**
 * The admin API's bearer token: mutating endpoints and the usage report need it, other reading
 * stays open, the CLI sends it, and a listener beyond loopback without one is refused at start.
 */
class AdminAuthTest {
    static final String TOKEN = "s3cret-token-for-the-admin-api";
    static Path tokenFile;
    static ScrapeFixture f;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        tokenFile = Files.createTempFile("nixnfs-admin-token", "");
        Files.writeString(tokenFile, TOKEN + "\n");
        f = ScrapeFixture.start(c -> c.toBuilder()
                .security(c.security().toBuilder().adminTokenFile(tokenFile).build()).build());
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(f.admin(path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void mutatingEndpointsNeedTheToken() throws Exception {
        String pin = "/api/v1/pins/" + f.data.baseName();
        for (String auth : new String[] {null, "Bearer wrong-token-wrong-token", "Basic " + TOKEN, TOKEN, "Bearer "}) {
            for (String[] req : List.of(new String[] {"POST", "/api/v1/gc/run"}, new String[] {"POST", pin},
                    new String[] {"PUT", pin}, new String[] {"DELETE", pin})) {
                HttpResponse<String> r = send(req[0], req[1], auth);
                assertEquals(401, r.statusCode(), req[0] + " " + req[1] + " with " + auth);
                assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            }
        }
        assertTrue(send("GET", "/api/v1/pins", null).body().contains("[ ]"), "nothing was pinned");
        assertEquals(201, send("POST", pin, "Bearer " + TOKEN).statusCode());
        assertEquals(200, send("POST", "/api/v1/gc/run?now=2000-01-01T00:00:00Z", "Bearer " + TOKEN).statusCode());
        assertEquals(200, send("DELETE", pin, "bearer " + TOKEN).statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void readingEndpointsStayOpen() throws Exception {
        for (String path : List.of("/metrics", "/healthz", "/readyz", "/api/v1/pins", "/api/v1/gc/plan")) {
            assertEquals(200, send("GET", path, null).statusCode(), path);
        }
    }

    @Test
    void theUsageReportNeedsTheToken() throws Exception { // it names which executor addresses read what
        assertEquals(401, send("GET", "/api/v1/usage", null).statusCode());
        assertEquals(401, send("GET", "/api/v1/usage", "Bearer wrong-token-wrong-token").statusCode());
        assertEquals(200, send("GET", "/api/v1/usage", "Bearer " + TOKEN).statusCode());
        String admin = "127.0.0.1:" + f.server.adminAddress().getPort();
        assertNotEquals(0, cli("usage", "--admin", admin));
        assertEquals(0, cli("usage", "--admin", admin, "--admin-token-file", tokenFile.toString()));
    }

    @Test
    void theCliSendsTheTokenFromItsOptionOrEnvironment() throws Exception {
        String admin = "127.0.0.1:" + f.server.adminAddress().getPort();
        String path = "/nix/store/" + f.data.baseName();
        assertEquals(1, cli("pin", "--admin", admin, path), "without the token the pin is refused");
        assertEquals(0, cli("pin", "--admin", admin, "--admin-token-file", tokenFile.toString(), path));
        assertEquals(0, cli("pin", "--admin", admin, "--admin-token-file", tokenFile.toString(), "--remove", path));
    }

    private static int cli(String... args) {
        CommandLine c = new CommandLine(new Main());
        c.setOut(new PrintWriter(new ByteArrayOutputStream()));
        return c.execute(args);
    }

    @Test
    void aListenerBeyondLoopbackNeedsAToken(@TempDir Path state) throws Exception {
        NixnfsServer.Config c = NixnfsServer.Config.builder(f.nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0), state)
                .adminListen(new InetSocketAddress("0.0.0.0", 0)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NixnfsServer.start(c));
        assertTrue(e.getMessage().contains("--admin-token-file"), e.getMessage());
        try (NixnfsServer s = NixnfsServer.start(c.toBuilder()
                .security(c.security().toBuilder().adminTokenFile(tokenFile).build()).build())) {
            URI u = URI.create("http://127.0.0.1:" + s.adminAddress().getPort() + "/api/v1/gc/run");
            assertEquals(401, http.send(HttpRequest.newBuilder(u).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void shortTokensAreRefused(@TempDir Path dir) throws Exception {
        Path shortToken = Files.writeString(dir.resolve("t"), "abc\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminToken.read(shortToken));
        assertTrue(e.getMessage().contains("shorter than"), e.getMessage());
        assertFalse(AdminToken.of(TOKEN).accepts("Bearer " + TOKEN + "x"));
        assertFalse(AdminToken.of(TOKEN).accepts(null));
        assertTrue(AdminToken.of(TOKEN).accepts("Bearer " + TOKEN));
    }
}
