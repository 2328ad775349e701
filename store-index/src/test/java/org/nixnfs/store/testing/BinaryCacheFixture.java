package org.nixnfs.store.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nixnfs.store.StorePath;

/**
 * A real binary cache (for the fault-in tests of fetch, gc and nfs-server): a directory written by {@code nix copy --to file://...} signed with a key
 * from {@code nix-store --generate-binary-cache-key}, served over HTTP by Debian's nginx-light on
 * a free loopback port.
 */
public final class BinaryCacheFixture implements AutoCloseable {
    private final Path dir;
    private final Path secretKey;
    private final String publicKey;
    private Process nginx;
    private int port;
    private Path nginxDir;

    private BinaryCacheFixture(Path dir, Path secretKey, String publicKey) {
        this.dir = dir;
        this.secretKey = secretKey;
        this.publicKey = publicKey;
    }

    /** An empty cache in {@code work/cache} with a fresh key named {@code keyName}. */
    public static BinaryCacheFixture create(Path work, String keyName) throws IOException {
        NixStoreFixture.requireNix();
        Files.createDirectories(work);
        Path sk = work.resolve(keyName + ".sec");
        Path pk = work.resolve(keyName + ".pub");
        run(List.of("nix-store", "--generate-binary-cache-key", keyName, sk.toString(), pk.toString()));
        return new BinaryCacheFixture(work.resolve("cache"), sk, Files.readString(pk).strip());
    }

    /** Copies these paths (with their closures) from the store into the cache, signed. */
    public void push(NixStoreFixture store, StorePath... paths) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nix", "--extra-experimental-features", "nix-command", "copy",
                "--to", fileUrl() + "?secret-key=" + secretKey + "&compression=zstd"));
        for (StorePath p : paths) {
            cmd.add("/nix/store/" + p.baseName());
        }
        store.nix(null, cmd.toArray(new String[0]));
    }

    /** Serves the cache with nginx-light (installed by scripts/install-deps). */
    public BinaryCacheFixture serve() throws IOException {
        Path nginxBin = Path.of("/usr/sbin/nginx");
        if (!Files.isExecutable(nginxBin)) {
            throw new IllegalStateException("nginx is not installed: run scripts/install-deps nginx-light");
        }
        Files.createDirectories(dir);
        nginxDir = Files.createDirectories(dir.resolveSibling("nginx"));
        for (int attempt = 0; attempt < 5; attempt++) {
            port = freePort();
            Path conf = nginxDir.resolve("nginx.conf");
            Files.writeString(conf, String.join("\n",
                    "daemon off;", "master_process off;", "worker_processes 1;",
                    "pid " + nginxDir.resolve("nginx.pid") + ";",
                    "error_log " + nginxDir.resolve("error.log") + " info;",
                    "events { worker_connections 1024; }",
                    "http {",
                    "  access_log " + nginxDir.resolve("access.log") + ";",
                    "  client_body_temp_path " + nginxDir.resolve("body") + ";",
                    "  proxy_temp_path " + nginxDir.resolve("proxy") + ";",
                    "  fastcgi_temp_path " + nginxDir.resolve("fastcgi") + ";",
                    "  uwsgi_temp_path " + nginxDir.resolve("uwsgi") + ";",
                    "  scgi_temp_path " + nginxDir.resolve("scgi") + ";",
                    "  types { text/x-nix-narinfo narinfo; }",
                    "  server { listen 127.0.0.1:" + port + "; root " + dir.toAbsolutePath() + "; }",
                    "}", ""));
            nginx = new ProcessBuilder("/usr/sbin/nginx", "-p", nginxDir.toString(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(nginxDir.resolve("stdout.log").toFile()).start();
            if (waitForPort()) {
                return this;
            }
            nginx.destroyForcibly();
        }
        throw new IOException("nginx did not start: " + Files.readString(nginxDir.resolve("stdout.log")));
    }

    private boolean waitForPort() {
        for (int i = 0; i < 200 && nginx.isAlive(); i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** Lines of nginx's access log: one per request the cache got. */
    public List<String> requests() throws IOException {
        Path log = nginxDir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    public URI httpUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public URI fileUrl() {
        return URI.create("file://" + dir.toAbsolutePath());
    }

    public Path directory() {
        return dir;
    }

    public Path secretKey() {
        return secretKey;
    }

    public String publicKey() {
        return publicKey;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        if (nginx != null) {
            nginx.destroy();
            try {
                if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                    nginx.destroyForcibly();
                }
            } catch (InterruptedException e) {
                nginx.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
