package org.nixnfs.server.metrics;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * A real server with its admin listener, over a small store of its own built with real Nix (so
 * that tests may add paths without disturbing the shared test store), and a client for its
 * admin endpoints. {@link #traffic()} makes real NFS traffic so that the operation metrics exist.
 */
public final class ScrapeFixture implements AutoCloseable {
    public final NixStoreFixture nix;
    public final StorePath data;
    public final NixnfsServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ScrapeFixture(NixStoreFixture nix, StorePath data, NixnfsServer server) {
        this.nix = nix;
        this.data = data;
        this.server = server;
    }

    public static ScrapeFixture start() throws Exception {
        return start(c -> c);
    }

    /** @param configure changes to the server's configuration (admin listener on a free loopback port) */
    public static ScrapeFixture start(UnaryOperator<NixnfsServer.Config> configure) throws Exception {
        NixStoreFixture.requireNix();
        Path dir = Files.createTempDirectory("nixnfs-scrape-store");
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath data = nix.addText("data.txt", "0123456789abcdef".repeat(20_000)); // 320,000 bytes
        nix.addText("small.txt", "small\n");
        Path state = Files.createTempDirectory("nixnfs-scrape-state");
        NixnfsServer.Config c = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0), state)
                .adminListen(new InetSocketAddress("127.0.0.1", 0)).build();
        return new ScrapeFixture(nix, data, NixnfsServer.start(configure.apply(c)));
    }

    /** Bytes of {@link #data}. */
    public long dataSize() throws IOException {
        return Files.size(nix.realPath(data));
    }

    /**
     * NFSv4.0 and 4.1 traffic: lookups (one of a missing name), GETATTR, reads of {@link #data}
     * in 1 MiB (sendfile) and 4 KiB (copied) chunks, a READDIR of the store. Returns the file
     * bytes read.
     */
    public long traffic() throws IOException {
        return traffic(server.address(), data);
    }

    /** {@link #traffic()} against any server exporting {@code data}. */
    public static long traffic(InetSocketAddress server, StorePath data) throws IOException {
        long read = 0;
        for (int minor : new int[] {0, 1}) {
            try (Nfs4TestClient c = Nfs4TestClient.connect(server, minor)) {
                byte[] fh = c.lookup("/nix/store/" + data.baseName());
                c.getAttr(fh, Nfs4TestClient.SIZE);
                read += c.readAll(fh, 0, Nfs4TestClient.ANONYMOUS_STATEID, 1 << 20).length;
                read += c.readAll(fh, 0, Nfs4TestClient.ANONYMOUS_STATEID, 4096).length;
                c.readDirNames(c.lookup("/nix/store"), 32 * 1024);
                try {
                    c.lookup("/nix/store/00000000000000000000000000000000-missing");
                } catch (Nfs4TestClient.NfsError expected) {
                    // counted as an error by operation and status
                }
            }
        }
        return read;
    }

    public URI admin(String pathAndQuery) {
        InetSocketAddress a = server.adminAddress();
        return URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery);
    }

    public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, HttpRequest.BodyPublishers.noBody());
    }

    public HttpResponse<String> send(String method, String pathAndQuery, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(admin(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /** GET /metrics, parsed: each sample ("name{labels}" as exposed) to its value. */
    public Map<String, Double> scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = get("/metrics");
        if (r.statusCode() != 200) {
            throw new IOException("/metrics: HTTP " + r.statusCode());
        }
        return parse(r.body());
    }

    public static Map<String, Double> parse(String exposition) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.lastIndexOf(' ');
            m.put(line.substring(0, end), Double.parseDouble(line.substring(end + 1)));
        }
        return m;
    }

    /** The metric names (sample names, e.g. {@code x_bucket}, {@code x_total}) in a parsed scrape. */
    public static Set<String> names(Map<String, Double> samples) {
        Set<String> names = new TreeSet<>();
        for (String k : samples.keySet()) {
            int brace = k.indexOf('{');
            names.add(brace < 0 ? k : k.substring(0, brace));
        }
        return names;
    }

    /** The value of the one sample with this name whose labels include all of {@code labels} ("k=\"v\""). */
    public static double value(Map<String, Double> samples, String name, String... labels) {
        Double found = null;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String k = e.getKey();
            if (!(k.equals(name) || k.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= k.contains(l);
            }
            if (all) {
                if (found != null) {
                    throw new AssertionError("more than one sample " + name + " with " + String.join(",", labels));
                }
                found = e.getValue();
            }
        }
        if (found == null) {
            throw new AssertionError("no sample " + name + " with " + String.join(",", labels));
        }
        return found;
    }

    @Override
    public void close() {
        server.close();
    }
}
