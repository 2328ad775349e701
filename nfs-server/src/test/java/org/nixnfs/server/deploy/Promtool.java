package org.nixnfs.server.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/** Prometheus' own checker, {@code promtool}, from the PATH (Debian's prometheus, which scripts/install-deps installs). */
final class Promtool {
    private static Path path;

    private Promtool() {
    }

    record Result(int exit, String out) {
    }

    static synchronized Path path() {
        if (path != null) {
            return path;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "promtool");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return path = p;
            }
        }
        return Assertions.fail("promtool is not on the PATH: run scripts/install-deps (Debian's prometheus)");
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
        List<String> cmd = new ArrayList<>();
        cmd.add(path().toString());
        cmd.addAll(List.of(args));
        return run(dir, cmd);
    }
}
