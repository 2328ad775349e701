package org.nixnfs.store.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command to its end with a timeout and captures what it printed: the one way nixnfs runs
 * Nix ({@code nix-store}, {@code nix}). Its standard input is closed at once unless the caller
 * redirected it from a file (a command that reads it sees end of file instead of hanging).
 * Standard output and error are each
 * read by a thread of their own from the start, so a command that fills one pipe while we wait on
 * the other cannot stall. A command that overruns is killed with everything it started, as is one
 * whose caller is interrupted.
 */
public final class ProcessRunner {
    private ProcessRunner() {
    }

    /** A finished command's exit code and output (decoded as UTF-8). */
    public record Output(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** The command did not finish in time and was killed. */
    public static final class TimedOutException extends IOException {
        TimedOutException(String message) {
            super(message);
        }
    }

    /**
     * Starts {@code command} (its arguments, directory, environment and input redirection as set
     * there; any redirection of its output is replaced by capture) and waits for it.
     *
     * @param startHint what to say when the command cannot start at all, e.g. "is Nix installed?"
     * @throws TimedOutException when it ran longer than {@code timeout} (it and its descendants are
     *                           killed; the message says "did not finish within")
     * @throws IOException       when it cannot start, or the calling thread is interrupted (it is
     *                           killed and the thread's interrupt flag is set again)
     */
    public static Output run(ProcessBuilder command, Duration timeout, String startHint) throws IOException {
        List<String> cmd = command.command();
        command.redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(false);
        Process p;
        try {
            p = command.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + cmd.get(0) + " (" + startHint + "): " + e.getMessage(), e);
        }
        p.getOutputStream().close(); // a no-op when input comes from a file
        CompletableFuture<String> out = drain(p.getInputStream(), cmd.get(0) + "-stdout");
        CompletableFuture<String> err = drain(p.getErrorStream(), cmd.get(0) + "-stderr");
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new TimedOutException(shortName(cmd) + " did not finish within " + describe(timeout)
                        + ", killed");
            }
            return new Output(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException(shortName(cmd) + " interrupted, killed", e);
        }
    }

    /** Kills the process and what it started (a child keeping our pipes open would keep the readers waiting). */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /**
     * Reads a stream to its end on a thread of its own: not a shared pool's, where a busy pool
     * (or one reader waiting on the other) could leave a pipe unread and the command blocked.
     */
    private static CompletableFuture<String> drain(InputStream s, String name) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (s) {
                text.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete(""); // the process was killed under us; its output no longer matters
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return text;
    }

    /** The command and its first argument ("nix-store --realise..."): enough to tell which call it was. */
    private static String shortName(List<String> cmd) {
        return cmd.size() > 1 ? cmd.get(0) + " " + cmd.get(1) + "..." : cmd.get(0);
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
