package org.nixnfs.server.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own checker: {@code promtool} from PATH, else from Debian's prometheus package,
 * downloaded with apt-get and unpacked (not installed: that would start a Prometheus server).
 */
final class Promtool {
    private static Path path;

    private Promtool() {
    }

    record Result(int exit, String out) {
    }

    static synchronized Path path() throws IOException, InterruptedException {
        if (path != null) {
            return path;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "promtool");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return path = p;
            }
        }
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "nixnfs-promtool");
        Path tool = cache.resolve("usr/bin/promtool");
        if (!Files.isExecutable(tool)) {
            Files.createDirectories(cache);
            String script = "set -e; cd '" + cache + "'; rm -f prometheus_*.deb; "
                    + "apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus; }; "
                    + "dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb";
            Result r = run(cache, List.of("bash", "-c", script));
            if (r.exit() != 0 || !Files.isExecutable(tool)) {
                throw new IOException("cannot get promtool from Debian's prometheus package: " + r.out());
            }
        }
        return path = tool;
    }

    static Result run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(cmd + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    static Result check(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(path().toString());
        cmd.addAll(List.of(args));
        return run(dir, cmd);
    }
}
