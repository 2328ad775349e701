package org.nixnfs.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.metrics.ScrapeFixture;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StoreIndex;

/**
 * The admin listener under bad input: unknown paths, wrong methods, oversized bodies, malformed
 * parameters and requests, and clients that never finish a request, while NFS keeps serving.
 */
class AdminBadInputTest {
    static ScrapeFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = ScrapeFixture.start();
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/nope", "/metricsx", "/metrics/", "/api", "/api/v1", "/api/v1/nope", "/api/v2/usage",
            "/api/v1/gc", "/api/v1/gc/nope", "/healthz/deep", "/../etc/passwd"})
    void unknownPathsAre404(String path) throws Exception {
        String r = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 404"), path + ": " + r);
    }

    @ParameterizedTest
    @CsvSource({"POST,/metrics,'GET, HEAD'", "DELETE,/healthz,'GET, HEAD'", "PUT,/readyz,'GET, HEAD'",
            "POST,/api/v1/usage,'GET, HEAD'", "POST,/api/v1/gc/plan,'GET, HEAD'", "GET,/api/v1/gc/run,POST",
            "DELETE,/api/v1/gc/last,'GET, HEAD'", "POST,/api/v1/pins,'GET, HEAD'",
            "GET,/api/v1/pins/0123456789abcdfghijklmnpqrsvwxyz-x,'POST, PUT, DELETE'",
            "PATCH,/api/v1/pins/0123456789abcdfghijklmnpqrsvwxyz-x,'POST, PUT, DELETE'"})
    void wrongMethodsAre405WithAllow(String method, String path, String allow) throws Exception {
        HttpResponse<String> r = f.send(method, path, HttpRequest.BodyPublishers.noBody());
        assertEquals(405, r.statusCode(), method + " " + path);
        assertEquals(allow, r.headers().firstValue("Allow").orElse(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/usage?limit=abc", "/api/v1/usage?limit=-1", "/api/v1/usage?limit=99999999999",
            "/api/v1/usage?sort=bogus", "/api/v1/usage?limit=%zz", "/api/v1/usage?%zz=1",
            "/api/v1/gc/plan?keepUnused=forever", "/api/v1/gc/plan?grace=1h", "/api/v1/gc/plan?now=yesterday",
            "/api/v1/gc/plan?keepUnused=", "/api/v1/gc/plan?bogus=1", "/api/v1/gc/plan?keepUnused=P1D&now=2026-13-01T00:00:00Z"})
    void malformedQueryParametersAre400(String pathAndQuery) throws Exception {
        // Raw: java.net.http would refuse to send some of these URIs at all.
        String r = raw("GET " + pathAndQuery + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 400"), pathAndQuery + ": " + r);
        assertTrue(r.contains("\r\n\r\nbad request"), r);
    }

    @Test
    void aMalformedGcRunIs400AndRunsNothing() throws Exception {
        double runs = f.scrape().get("nixnfs_gc_runs_total");
        assertEquals(400, f.send("POST", "/api/v1/gc/run?keepUnused=never", HttpRequest.BodyPublishers.noBody())
                .statusCode());
        assertEquals(runs, f.scrape().get("nixnfs_gc_runs_total"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-store-path", "nix/store/short-x", "..%2F..%2Fetc%2Fpasswd",
            "0123456789abcdfghijklmnpqrsvwxyz", "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE-upper"})
    void pinningSomethingThatIsNotAStorePathIs400(String path) throws Exception {
        assertEquals(400, f.send("POST", "/api/v1/pins/" + path, HttpRequest.BodyPublishers.noBody()).statusCode(),
                path);
    }

    @Test
    void oversizedBodiesAre413AndNothingRuns() throws Exception {
        double runs = f.scrape().get("nixnfs_gc_runs_total");
        byte[] big = new byte[AdminServer.MAX_BODY + 1];
        HttpResponse<String> r = f.send("POST", "/api/v1/gc/run", HttpRequest.BodyPublishers.ofByteArray(big));
        assertEquals(413, r.statusCode());
        assertEquals(runs, f.scrape().get("nixnfs_gc_runs_total"), "the oversized request must not run GC");
        // Just at the limit is accepted (and then refused for the method, not the size).
        r = f.send("POST", "/metrics", HttpRequest.BodyPublishers.ofByteArray(new byte[AdminServer.MAX_BODY]));
        assertEquals(405, r.statusCode());
    }

    @Test
    void oversizedChunkedBodiesAre413() throws Exception {
        try (Socket s = connectAdmin()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/v1/pins/0123456789abcdfghijklmnpqrsvwxyz-x HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16 * 1024];
            try {
                for (int i = 0; i < 8; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException closedEarly) {
                // the server may answer and close before we finish sending
            }
            assertTrue(readAll(s).startsWith("HTTP/1.1 413"));
        }
        assertTrue(f.server.gc().pins().pins().isEmpty(), "the oversized request must not pin anything");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GARBAGE\r\n\r\n", "GET\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nbad header line without colon\r\n\r\n"})
    void malformedRequestsAre400(String request) throws Exception {
        assertTrue(raw(request).startsWith("HTTP/1.1 400"), request);
    }

    @Test
    void otherHttpVersionsAre505() throws Exception {
        assertTrue(raw("GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 505"));
        assertTrue(raw("GET /healthz HTTP/1.0\r\n\r\n").startsWith("HTTP/1.1 200"));
    }

    @Test
    void overlongRequestLinesAndHeadersAreRefused() throws Exception {
        String longUri = "/metrics?" + "a".repeat(10_000);
        assertTrue(raw("GET " + longUri + " HTTP/1.1\r\nHost: x\r\n\r\n").matches("(?s)HTTP/1.1 (414|431|400).*"));
        String longHeader = "X-Big: " + "b".repeat(20_000);
        assertTrue(raw("GET /metrics HTTP/1.1\r\n" + longHeader + "\r\n\r\n").matches("(?s)HTTP/1.1 (431|400).*"));
    }

    @Test
    void relativeAndAbsoluteFormUrisAreHandled() throws Exception {
        assertTrue(raw("GET metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 400"));
        assertTrue(raw("GET http://x/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .matches("(?s)HTTP/1.1 (200|400).*"));
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        // The GC plan (its own thread, and it runs nix-store) is slower than /healthz behind it.
        String all = raw("GET /api/v1/gc/plan HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int plan = all.indexOf("evaluatedAt");
        int ok = all.indexOf("\r\n\r\nok\n");
        int nope = all.indexOf("no such endpoint");
        assertTrue(plan > 0 && ok > plan && nope > ok, all);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void hangingAdminClientsDoNotBlockNfsOrOtherAdminClients() throws Exception {
        List<Socket> hanging = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = connectAdmin();
                // Half a request: the headers never end.
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                hanging.add(s);
            }
            Socket slowBody = connectAdmin();
            slowBody.getOutputStream().write(("POST /api/v1/gc/run HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
                    + "only part of it").getBytes(StandardCharsets.US_ASCII));
            hanging.add(slowBody);

            // Each of these would hang (and the class time out) if a hanging client held them up.
            long read = f.traffic();
            assertEquals(4 * f.dataSize(), read);
            assertEquals(200, f.get("/healthz").statusCode());
            Map<String, Double> m = f.scrape();
            assertTrue(m.get("nixnfs_nfs_read_bytes_total") >= read);
            assertTrue(f.get("/api/v1/gc/plan").body().contains("evaluatedAt"), "another client's GC plan is answered");
            // The server kept the hanging requests: one that finishes now is answered.
            Socket first = hanging.get(0);
            first.getOutputStream().write("1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(first);
            assertTrue(answer.startsWith("HTTP/1.1 200") && answer.contains("nixnfs_nfs_read_bytes_total"), answer);
        } finally {
            for (Socket s : hanging) {
                s.close();
            }
        }
    }

    @Test
    void idleAndHalfSentConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        AdminApi api = new AdminApi(() -> "", () -> true, StoreIndex::empty, Map::of, null);
        try (AdminServer admin = new AdminServer(new InetSocketAddress("127.0.0.1", 0), api,
                Duration.ofMillis(300))) {
            try (Socket half = new Socket("127.0.0.1", admin.localAddress().getPort());
                 Socket idle = new Socket("127.0.0.1", admin.localAddress().getPort())) {
                half.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                // The event is the close; a server that never closes fails on the read timeout.
                half.setSoTimeout(120_000);
                idle.setSoTimeout(120_000);
                assertEquals(-1, half.getInputStream().read(), "half-sent request: closed without an answer");
                assertEquals(-1, idle.getInputStream().read(), "idle connection: closed");
            }
            // A well-behaved client is still served.
            try (Socket ok = new Socket("127.0.0.1", admin.localAddress().getPort())) {
                ok.setSoTimeout(10_000);
                ok.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertTrue(readAll(ok).startsWith("HTTP/1.1 200"));
            }
        }
    }

    private static Socket connectAdmin() throws IOException {
        Socket s = new Socket("127.0.0.1", f.server.adminAddress().getPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static String raw(String request) throws IOException {
        try (Socket s = connectAdmin()) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return readAll(s);
        }
    }

    /** What the server sends until it closes, or the first response if it keeps the connection open. */
    private static String readAll(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (sb.indexOf("\r\n\r\n") > 0 && !sb.toString().startsWith("HTTP/1.1 100")) {
                    s.setSoTimeout(500); // the answer's head is here; give the body a moment
                }
            }
        } catch (SocketTimeoutException | SocketException e) {
            // kept open or reset after the answer
        }
        return sb.toString();
    }

    @Test
    void nfsClientsStillWorkAfterAllOfThis() throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(f.server.address(), 2)) {
            assertTrue(c.readDirNames(c.lookup("/nix/store"), 32 * 1024).contains(f.data.baseName()));
        }
    }
}
