package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.nfs4.state.StateLimits;
import picocli.CommandLine;

/** {@code serve}'s security options: their defaults are the server's, each is parsed, bad values are refused by name. */
class SecurityOptionsTest {
    private static SecuritySettings parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.securitySettings();
    }

    private static List<Integer> limits(StateLimits l) {
        return List.of(l.maxClients(), l.maxClientsPerAddress(), l.maxSessionsPerClient(), l.maxOpensPerClient(),
                l.maxOpens(), l.maxLocksPerClient(), l.maxLocks());
    }

    @Test
    void withoutOptionsTheSettingsAreTheServersDefaults() {
        SecuritySettings parsed = parse();
        SecuritySettings defaults = SecuritySettings.defaults();
        assertEquals(defaults.allow().cidrs(), parsed.allow().cidrs());
        assertEquals(defaults.requirePrivilegedPort(), parsed.requirePrivilegedPort());
        assertEquals(defaults.maxConnectionsPerClient(), parsed.maxConnectionsPerClient());
        assertEquals(defaults.stalledRecordTimeout(), parsed.stalledRecordTimeout());
        assertEquals(defaults.idleTimeout(), parsed.idleTimeout());
        assertEquals(limits(defaults.stateLimits()), limits(parsed.stateLimits()));
        assertEquals(null, parsed.adminTokenFile());
    }

    @Test
    void everyOptionIsParsed() {
        SecuritySettings s = parse("--allow", "10.1.0.0/16,fd00::/8", "--require-privileged-port",
                "--max-connections-per-client", "3", "--stalled-record-timeout", "5s", "--idle-timeout", "2m",
                "--max-clients", "11", "--max-clients-per-address", "12", "--max-sessions-per-client", "13",
                "--max-opens-per-client", "14", "--max-opens", "15", "--max-locks-per-client", "16", "--max-locks", "17",
                "--admin-token-file", "/run/token");
        assertEquals(List.of("10.1.0.0/16", "fd00::/8"), s.allow().cidrs());
        assertTrue(s.requirePrivilegedPort());
        assertEquals(3, s.maxConnectionsPerClient());
        assertEquals(Duration.ofSeconds(5), s.stalledRecordTimeout());
        assertEquals(Duration.ofMinutes(2), s.idleTimeout());
        assertEquals(List.of(11, 12, 13, 14, 15, 16, 17), limits(s.stateLimits()));
        assertEquals(Path.of("/run/token"), s.adminTokenFile());
    }

    @Test
    void zeroNegativeAndJunkAreRefusedNamingTheOption() {
        for (String option : List.of("--max-connections", "--max-connections-per-client", "--max-clients", "--max-clients-per-address",
                "--max-sessions-per-client", "--max-opens-per-client", "--max-opens", "--max-locks-per-client",
                "--max-locks")) {
            for (String bad : List.of("0", "-1")) {
                CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(option, bad));
                assertTrue(e.getMessage().contains(option) && e.getMessage().contains("must be at least 1, not " + bad),
                        e.getMessage());
            }
            CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(option, "lots"));
            assertTrue(e.getMessage().contains(option) && e.getMessage().contains("not a whole number: lots"), e.getMessage());
        }
        for (String option : List.of("--stalled-record-timeout", "--idle-timeout")) {
            for (String bad : List.of("0", "0s", "-5s")) {
                CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class, () -> parse(option, bad));
                assertTrue(e.getMessage().contains(option) && e.getMessage().contains("must be positive"), e.getMessage());
            }
        }
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> parse("--allow", "10.0.0.0/33"));
        assertTrue(e.getMessage().startsWith("--allow: "), e.getMessage());
    }

    @Test
    void helpShowsEachDefault() {
        String help = new CommandLine(new ServeCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        for (String expected : List.of("--max-clients=N NFSv4 client ids", "Default: 16384.", "Default: 1024.",
                "Default: 16.", "Default: 32768.", "Default: 524288.", "Default: 8192.", "Default: 131072.",
                "Default: 64.", "--stalled-record-timeout=DURATION", "Default: 30s.", "--idle-timeout=DURATION",
                "Default: 6m.")) {
            assertTrue(help.contains(expected), "help lacks '" + expected + "':\n" + help);
        }
    }
}
