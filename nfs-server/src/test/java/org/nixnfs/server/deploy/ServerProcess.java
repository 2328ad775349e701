package org.nixnfs.server.deploy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nixnfs as an operator runs it: {@code nixnfs serve} in a JVM of its own (the test's classpath),
 * so that it can be stopped, frozen and killed like a real process. Its output goes to a log file.
 */
final class ServerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final InetSocketAddress nfs;
    final InetSocketAddress admin;
    final Path log;
    private final Process process;

    private ServerProcess(InetSocketAddress nfs, InetSocketAddress admin, Path log, Process process) {
        this.nfs = nfs;
        this.admin = admin;
        this.log = log;
        this.process = process;
    }

    /** Starts {@code nixnfs serve} with these extra options on free loopback ports; returns once /readyz answers. */
    static ServerProcess start(Path storeRoot, Path stateDir, Path log, List<String> options) throws Exception {
        InetSocketAddress nfs = new InetSocketAddress("127.0.0.1", freePort());
        InetSocketAddress admin = new InetSocketAddress("127.0.0.1", freePort());
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.nixnfs.server.cli.Main", "serve", "--store-root", storeRoot.toString(),
                "--state-dir", stateDir.toString(), "--listen", "127.0.0.1:" + nfs.getPort(),
                "--admin-listen", "127.0.0.1:" + admin.getPort()));
        cmd.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LC_ALL", "C.UTF-8");
        ServerProcess s = new ServerProcess(nfs, admin, log, pb.start());
        Waits.until("nixnfs /readyz answers 200 (log: " + log + ")", Duration.ofMinutes(2), () -> {
            if (!s.process.isAlive()) {
                throw new AssertionError("nixnfs exited with " + s.process.exitValue() + ":\n" + Files.readString(log));
            }
            return s.status("/readyz") == 200;
        });
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + admin.getPort() + path);
    }

    /** The HTTP status of a GET on the admin listener; -1 when it does not answer. */
    int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** POST on the admin API, as {@code nixnfs gc} does. */
    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGSTOP / SIGCONT: a server that stalls (as in a long pause) and resumes. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** SIGTERM, as {@code systemctl stop} sends, and wait for the exit. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                signal("CONT"); // a stopped process cannot handle SIGTERM
            } catch (IOException e) {
                // gone already
            }
            stop();
        }
    }
}
