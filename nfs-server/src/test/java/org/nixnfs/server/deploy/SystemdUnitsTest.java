package org.nixnfs.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.cli.Main;
import org.nixnfs.server.net.AllowList;
import picocli.CommandLine;

/**
 * deploy/systemd: {@code systemd-analyze verify} accepts every unit without a warning, the
 * service's exposure score stays low, the hardening the design asks for is there (a filtered
 * system call fails with EPERM, never kills a JVM with SIGSYS), the units' JVM options start a JVM,
 * the GC job's heap fits its MemoryMax=, and the command lines the units run parse with nixnfs'
 * own command line.
 */
class SystemdUnitsTest {
    static Path units;
    static Path work;

    @BeforeAll
    static void setUp() throws Exception {
        units = RepoFiles.deploy("systemd");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "systemd-analyze is missing: run scripts/install-deps (Debian's systemd)");
        // verify insists that ExecStart= binaries exist: where one is missing here (no JDK at
        // /usr/bin/java), verify copies that point at a stub instead.
        work = Files.createTempDirectory("nixnfs-units");
        for (Path u : unitFiles()) {
            String text = Files.readString(u);
            for (String bin : execBinaries(text)) {
                if (!Files.isExecutable(Path.of(bin))) {
                    Path stub = work.resolve("stub-" + Path.of(bin).getFileName());
                    Files.writeString(stub, "#!/bin/sh\nexit 0\n");
                    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
                    text = text.replace(bin + " ", stub + " ");
                }
            }
            Files.writeString(work.resolve(u.getFileName()), text);
        }
    }

    static List<Path> unitFiles() throws IOException {
        List<Path> l = new ArrayList<>(RepoFiles.list(units, ".service"));
        l.addAll(RepoFiles.list(units, ".timer"));
        return l;
    }

    static List<String> execBinaries(String unit) {
        List<String> bins = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^Exec\\w+=[-+!@:]*(/\\S+)").matcher(unit);
        while (m.find()) {
            bins.add(m.group(1));
        }
        return bins;
    }

    record Run(int exit, String out) {
    }

    static Run run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new Run(p.exitValue(), out);
    }

    @Test
    void systemdAnalyzeVerifyAcceptsEveryUnitWithoutAWarning() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify"));
        for (Path u : unitFiles()) {
            cmd.add(u.getFileName().toString());
        }
        assertTrue(cmd.size() >= 7, "units: " + cmd);
        Run r = run(work, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r.out());
        assertEquals("", r.out().strip(), "systemd-analyze verify printed warnings");
    }

    @Test
    void verifyWouldCatchMistakes() throws Exception {
        Path bad = Files.createTempDirectory("nixnfs-bad-unit");
        Files.writeString(bad.resolve("nixnfs.service"), Files.readString(work.resolve("nixnfs.service"))
                .replace("ProtectHome=yes", "ProtectHome=yess\nReadOnlyPath=/nix/store"));
        Run r = run(bad, "systemd-analyze", "verify", "nixnfs.service");
        assertTrue(r.out().contains("yess") && r.out().contains("ReadOnlyPath"), r.out());
    }

    @Test
    void serviceExposureIsLow() throws Exception {
        Run r = run(work, "systemd-analyze", "security", "--offline=true", "nixnfs.service");
        Matcher m = Pattern.compile("Overall exposure level for nixnfs.service: (\\d+\\.\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 2.5, "exposure " + exposure + " (0 best, 10 worst):\n" + r.out());
    }

    /** The [Service] settings as key to values (a key may repeat). */
    static Map<String, List<String>> settings(String unit) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String line : unit.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            m.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        return m;
    }

    @Test
    void serviceHasTheRequiredHardening() throws Exception {
        Map<String, List<String>> s = settings(Files.readString(units.resolve("nixnfs.service")));
        assertEquals(List.of("nixnfs"), s.get("User"), "a dedicated user");
        assertEquals(List.of("strict"), s.get("ProtectSystem"));
        assertEquals(List.of("yes"), s.get("ProtectHome"));
        assertEquals(List.of("yes"), s.get("NoNewPrivileges"));
        assertEquals(List.of("/nix/store"), s.get("ReadOnlyPaths"));
        assertTrue(s.get("ReadWritePaths").contains("/nix/var/nix/db"), "SQLite WAL readers create -shm/-wal");
        assertEquals(List.of("CAP_NET_BIND_SERVICE"), s.get("CapabilityBoundingSet"));
        assertEquals(List.of("CAP_NET_BIND_SERVICE"), s.get("AmbientCapabilities"));
        assertEquals(List.of("on-failure"), s.get("Restart"));
        assertTrue(s.get("After").get(0).contains("nix-daemon.service"));
        assertTrue(s.get("Wants").get(0).contains("nix-daemon.service"));
        assertTrue(s.get("ExecStartPost").get(0).contains("/readyz"), "a health check at start");
        Map<String, List<String>> probe = settings(Files.readString(units.resolve("nixnfs-healthcheck.service")));
        assertTrue(probe.get("ExecStart").get(0).contains("/healthz"));
        // A restart of nixnfs propagates to units that require it: the probe would kill itself.
        assertNull(probe.get("Requisite"), "the probe restarts nixnfs: it must not depend on it");
        assertNull(probe.get("Requires"), "the probe restarts nixnfs: it must not depend on it");
        assertNull(probe.get("BindsTo"), "the probe restarts nixnfs: it must not depend on it");
        assertTrue(probe.get("ExecStart").get(0).contains("is-active --quiet nixnfs.service || exit 0"),
                "a stopped nixnfs is left stopped");
        assertTrue(probe.get("ExecStart").get(0).contains("restart --no-block"), "the probe does not wait for its own restart");
        assertTrue(Files.readString(units.resolve("nixnfs-gc.timer")).contains("OnCalendar="));
        assertTrue(Files.readString(units.resolve("nixnfs.sysusers.conf")).contains("u nixnfs "));
    }

    /** The options the env file's comments offer, on lines such as "#   --max-locks 131072". */
    static List<String> offeredOptions(String env) {
        List<String> words = new ArrayList<>();
        for (String line : env.split("\n")) {
            if (line.startsWith("#   --")) {
                words.addAll(List.of(line.substring(1).trim().split("\\s+")));
            }
        }
        return words;
    }

    /** The variables the env file sets, in its order. */
    static Map<String, String> envFile() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readString(units.resolve("nixnfs.env")).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /** A call outside a unit's SystemCallFilter= must fail with an error the JVM handles, not kill it with SIGSYS. */
    @Test
    void filteredSystemCallsFailInsteadOfKilling() throws Exception {
        for (Path u : RepoFiles.list(units, ".service")) {
            Map<String, List<String>> s = settings(Files.readString(u));
            if (s.containsKey("SystemCallFilter")) {
                assertEquals(List.of("EPERM"), s.get("SystemCallErrorNumber"), u.getFileName().toString());
            }
        }
    }

    /** The JVM options the units give start a JVM (this one, Java 17), and the GC job's heap fits under its MemoryMax=. */
    @Test
    void jvmOptionsStartAJvmAndTheGcJobFitsItsMemoryBound() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String gcExec = settings(Files.readString(units.resolve("nixnfs-gc.service"))).get("ExecStart").get(0);
        List<String> gcWords = List.of(gcExec.trim().split("\\s+"));
        List<String> gcOptions = gcWords.subList(1, gcWords.indexOf("-jar"));
        for (List<String> options : List.of(List.of(envFile().get("NIXNFS_JAVA_OPTS").split(" ")), gcOptions)) {
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(options);
            cmd.add("-version");
            Run r = run(work, cmd.toArray(String[]::new));
            assertEquals(0, r.exit(), options + ":\n" + r.out());
        }
        String xmx = gcOptions.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow();
        List<String> memoryMax = settings(Files.readString(units.resolve("nixnfs-gc.service"))).get("MemoryMax");
        assertTrue(memoryMax != null && memoryMax.get(0).endsWith("M"), "the GC job's memory is bounded in MiB: " + memoryMax);
        long heapMiB = Long.parseLong(xmx.substring(4, xmx.length() - 1));
        assertTrue(xmx.endsWith("m") && 2 * heapMiB <= Long.parseLong(memoryMax.get(0).replace("M", "")),
                "the GC job's heap " + xmx + " leaves room under MemoryMax=" + memoryMax.get(0) + " for the rest of the JVM");
    }

    /** The units' command lines with the variables as the env file sets them: nixnfs' own parser must accept them. */
    @Test
    void commandLinesParseWithTheDefaultsOfTheEnvFile() throws Exception {
        Map<String, String> env = envFile();
        assertEquals(List.of("NIXNFS_LISTEN", "NIXNFS_ALLOW", "NIXNFS_ADMIN_LISTEN", "NIXNFS_GC_INTERVAL", "NIXNFS_OPTS", "NIXNFS_JAVA_OPTS"),
                List.copyOf(env.keySet()));
        for (String unit : List.of("nixnfs.service", "nixnfs-gc.service")) {
            Map<String, List<String>> s = settings(Files.readString(units.resolve(unit)));
            String exec = s.get("ExecStart").get(0);
            for (Map.Entry<String, String> e : env.entrySet()) {
                exec = exec.replace("${" + e.getKey() + "}", e.getValue()).replace("$" + e.getKey(), e.getValue());
            }
            assertFalse(exec.contains("$"), unit + ": unset variable in " + exec);
            List<String> words = List.of(exec.trim().split("\\s+"));
            int jar = words.indexOf("-jar");
            assertTrue(jar > 0 && words.get(jar + 1).equals("/usr/local/lib/nixnfs/nixnfs.jar"), exec);
            List<String> args = words.subList(jar + 2, words.size());
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
            assertTrue(parsed.hasSubcommand(), unit + ": " + args);
            assertTrue(parsed.subcommand().unmatched().isEmpty(), unit + ": " + parsed.subcommand().unmatched());
            if (unit.equals("nixnfs.service")) {
                assertEquals(List.of(env.get("NIXNFS_ALLOW").split(" ")),
                        parsed.subcommand().matchedOption("--allow").getValue(), "every block of NIXNFS_ALLOW is allowed");
                AllowList.of(parsed.subcommand().matchedOption("--allow").getValue());
                List<String> all = new ArrayList<>(args);
                all.addAll(offeredOptions(Files.readString(units.resolve("nixnfs.env"))));
                CommandLine.ParseResult offered = new CommandLine(new Main()).setOverwrittenOptionsAllowed(true)
                        .parseArgs(all.toArray(String[]::new));
                assertTrue(offered.subcommand().unmatched().isEmpty(), "the options the env file offers: " + all);
                for (String option : List.of("--delegations", "--require-privileged-port", "--max-connections",
                        "--max-sessions-per-client", "--max-locks", "--max-delegations-per-client", "--max-delegations")) {
                    assertTrue(offered.subcommand().hasMatchedOption(option), "the env file offers " + option);
                }
            }
        }
    }
}
