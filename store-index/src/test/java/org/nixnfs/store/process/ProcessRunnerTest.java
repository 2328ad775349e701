package org.nixnfs.store.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real commands through /bin/sh. */
class ProcessRunnerTest {
    /** Long enough for any of these commands on a loaded machine; none of them is meant to hit it. */
    private static final Duration GENEROUS = Duration.ofMinutes(2);

    private static ProcessBuilder sh(String script) {
        return new ProcessBuilder("/bin/sh", "-c", script);
    }

    @Test
    void capturesExitCodeStdoutAndStderrApart() throws IOException {
        ProcessRunner.Output o = ProcessRunner.run(sh("echo out; echo err >&2; exit 3"), GENEROUS, "hint");
        assertEquals(new ProcessRunner.Output(3, "out\n", "err\n"), o);
        assertFalse(o.ok());
        assertTrue(ProcessRunner.run(sh("true"), GENEROUS, "hint").ok());
    }

    @Test
    void passesTheEnvironmentTheCallerSet() throws IOException {
        ProcessBuilder pb = sh("printf %s \"$NIXNFS_TEST_VALUE\"");
        pb.environment().put("NIXNFS_TEST_VALUE", "line one\nline two");
        assertEquals("line one\nline two", ProcessRunner.run(pb, GENEROUS, "hint").stdout());
    }

    @Test
    void stdinIsClosedSoAReaderSeesEndOfFile() throws IOException {
        // cat would wait forever on an open stdin: it finishes only because we close it
        ProcessRunner.Output o = ProcessRunner.run(sh("cat; echo done"), GENEROUS, "hint");
        assertEquals("done\n", o.stdout());
    }

    @Test
    void inputRedirectedFromAFileIsKept(@TempDir Path tmp) throws IOException {
        Path in = Files.writeString(tmp.resolve("in"), "from a file\n");
        ProcessBuilder pb = sh("cat").redirectInput(in.toFile());
        assertEquals("from a file\n", ProcessRunner.run(pb, GENEROUS, "hint").stdout());
    }

    @Test
    void largeOutputOnBothStreamsAtOnceDoesNotStall() throws IOException {
        // 8 MiB to each stream, interleaved: far more than a pipe's buffer, so the command blocks
        // unless both pipes are read while it runs
        String script = "i=0; while [ $i -lt 8 ]; do head -c 1048576 /dev/zero | tr '\\0' a; "
                + "head -c 1048576 /dev/zero | tr '\\0' b >&2; i=$((i+1)); done";
        ProcessRunner.Output o = ProcessRunner.run(sh(script), GENEROUS, "hint");
        assertTrue(o.ok(), o.stderr().length() + " bytes of stderr");
        assertEquals(8 << 20, o.stdout().length());
        assertEquals(8 << 20, o.stderr().length());
        assertTrue(o.stdout().chars().allMatch(c -> c == 'a'));
        assertTrue(o.stderr().chars().allMatch(c -> c == 'b'));
    }

    @Test
    void anOverrunningCommandIsKilledWithWhatItStarted(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        // the child sleeps on with our pipes open: it must be killed too, or nothing would end
        ProcessBuilder pb = sh("sleep 600 & echo $! > " + pidFile + "; wait");
        ProcessRunner.TimedOutException e = assertThrows(ProcessRunner.TimedOutException.class,
                () -> ProcessRunner.run(pb, Duration.ofSeconds(2), "hint"));
        assertTrue(e.getMessage().startsWith("/bin/sh -c... did not finish within 2 s"), e.getMessage());
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Optional<ProcessHandle> child = ProcessHandle.of(pid);
        if (child.isPresent()) {
            child.get().onExit().join(); // the kill was sent; wait for it to land
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void anInterruptedCallerKillsTheCommandAndKeepsItsInterruptFlag() throws Exception {
        Thread.currentThread().interrupt();
        try {
            IOException e = assertThrows(IOException.class, () -> ProcessRunner.run(sh("sleep 600"), GENEROUS, "hint"));
            assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aCommandThatCannotStartSaysWhichAndTheHint() {
        IOException e = assertThrows(IOException.class, () -> ProcessRunner.run(
                new ProcessBuilder("/nonexistent/nixnfs-no-such-command"), GENEROUS, "is it installed?"));
        assertTrue(e.getMessage().startsWith("cannot run /nonexistent/nixnfs-no-such-command (is it installed?)"),
                e.getMessage());
        assertFalse(e instanceof ProcessRunner.TimedOutException);
    }

    @Test
    void outputIsDecodedAsUtf8() throws IOException {
        ProcessBuilder pb = sh("printf 'gr\\303\\274n'");
        pb.environment().putAll(Map.of("LC_ALL", "C"));
        assertEquals("grün", ProcessRunner.run(pb, GENEROUS, "hint").stdout());
    }
}
