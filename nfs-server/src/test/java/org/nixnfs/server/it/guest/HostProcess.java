package org.nixnfs.server.it.guest;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A host command run by a test (run-mount-check, libnfs-check, make-demo-store ...): standard
 * output and error, merged, are copied line by line to the test log ({@code [label] line}) and
 * kept for the failure message; listeners see each line as it arrives (to react to a marker
 * the guest prints). Standard input is /dev/null, so nothing (qemu, a script) can ever wait on it.
 */
public final class HostProcess implements AutoCloseable {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) passed, (\\d+) failed");

    private final String label;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final Thread pump;
    private final long startNanos = System.nanoTime();

    private HostProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        this.pump = new Thread(this::pump, "output-" + label);
        this.pump.setDaemon(true);
    }

    /**
     * Starts {@code command} in {@code dir} with this JVM's environment plus {@code extraEnv}.
     * PATH includes the sbin directories (as a root shell's does), and HOME is set (vm/run-guest
     * finds its kernel cache under it, with {@code set -u}).
     */
    public static HostProcess start(String label, List<String> command, Path dir, Map<String, String> extraEnv,
                                    Consumer<String> listener) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.put("PATH", withSbin(env.getOrDefault("PATH", "/usr/bin:/bin")));
        env.putIfAbsent("HOME", System.getProperty("user.home", "/root"));
        env.putAll(extraEnv);
        System.out.println("[" + label + "] $ " + String.join(" ", command)
                + (extraEnv.isEmpty() ? "" : "   (env " + extraEnv + ")"));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        HostProcess hp = new HostProcess(label, p);
        if (listener != null) {
            hp.listeners.add(listener);
        }
        hp.pump.start();
        return hp;
    }

    public static HostProcess start(String label, List<String> command, Path dir) {
        return start(label, command, dir, Map.of(), null);
    }

    static String withSbin(String path) {
        List<String> parts = new ArrayList<>(List.of(path.split(":")));
        for (String d : List.of("/usr/local/sbin", "/usr/sbin", "/sbin")) {
            if (!parts.contains(d)) {
                parts.add(d);
            }
        }
        return String.join(":", parts);
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                System.out.println("[" + label + "] " + line);
                for (Consumer<String> l : listeners) {
                    try {
                        l.accept(line);
                    } catch (RuntimeException e) {
                        System.out.println("[" + label + "] (listener failed: " + e + ")");
                    }
                }
            }
        } catch (IOException e) {
            System.out.println("[" + label + "] (output lost: " + e + ")");
        }
    }

    /**
     * Waits for the exit; on timeout kills the process and everything it started (the qemu of
     * run-guest) and returns -1.
     */
    public int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            System.out.println("[" + label + "] timed out after " + timeout.toSeconds() + " s: killing it");
            close();
            process.waitFor(10, TimeUnit.SECONDS);
            pump.join(5_000);
            return -1;
        }
        pump.join(10_000);
        System.out.println("[" + label + "] exited " + process.exitValue() + " after " + elapsedSeconds() + " s");
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long elapsedSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** The last "N passed, M failed" line's counts, or null when there is none. */
    public int[] summary() {
        int[] found = null;
        for (String l : lines) {
            Matcher m = SUMMARY.matcher(l);
            if (m.find()) {
                found = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
            }
        }
        return found;
    }

    /**
     * What a failure message should show: every FAIL line and the lines right after it (a
     * listing of differences, dmesg), every error line of the host scripts, and the last lines
     * of output when there is no FAIL line (a crash, a timeout).
     */
    public String failureReport(int exitStatus) {
        List<String> all = lines();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String l = all.get(i);
            if (l.startsWith("FAIL") || l.contains("FAIL:")) {
                out.add(l);
                for (int j = i + 1; j < all.size() && j <= i + 5 && !isResultLine(all.get(j)); j++) {
                    out.add("    " + all.get(j));
                }
            } else if (l.matches("^(run-guest|run-mount-check|run-restart-check|libnfs-check|restart-check|install-deps|make-demo-store): .*")
                    || l.contains("Stale file handle") || l.contains("Input/output error")) {
                out.add(l);
            }
        }
        if (out.stream().noneMatch(l -> l.startsWith("FAIL"))) {
            out.add("--- last lines of output:");
            out.addAll(all.subList(Math.max(0, all.size() - 25), all.size()));
        }
        return label + " exited " + exitStatus + ":\n" + out.stream().distinct().limit(80).collect(Collectors.joining("\n"));
    }

    private static boolean isResultLine(String l) {
        return l.startsWith("PASS") || l.startsWith("FAIL") || l.startsWith("SKIP");
    }

    /** Environment helper for callers. */
    public static Map<String, String> env(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** Kills the process and its descendants (only what this object started). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
