package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.nfs4.state.ChannelAttributes;
import org.nixnfs.server.nfs4.state.ClientRecord;
import org.nixnfs.server.nfs4.state.StateLimits;
import org.nixnfs.server.nfs4.state.StateManager;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.vfs.FileHandle;
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
                l.maxOpens(), l.maxLocksPerClient(), l.maxLocks(), l.maxDelegationsPerClient(), l.maxDelegations());
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
                "--max-delegations-per-client", "18", "--max-delegations", "19", "--admin-token-file", "/run/token");
        assertEquals(List.of("10.1.0.0/16", "fd00::/8"), s.allow().cidrs());
        assertTrue(s.requirePrivilegedPort());
        assertEquals(3, s.maxConnectionsPerClient());
        assertEquals(Duration.ofSeconds(5), s.stalledRecordTimeout());
        assertEquals(Duration.ofMinutes(2), s.idleTimeout());
        assertEquals(List.of(11, 12, 13, 14, 15, 16, 17, 18, 19), limits(s.stateLimits()));
        assertEquals(Path.of("/run/token"), s.adminTokenFile());
    }

    /**
     * The delegation limits reach the state layer as the server wires it (the settings' limits go
     * to its {@link StateManager}): over either, an OPEN's grant is simply none.
     */
    @Test
    void delegationLimitsReachTheStateLayer() throws NfsException {
        StateManager state = new StateManager(90, System::nanoTime,
                parse("--max-delegations-per-client", "1", "--max-delegations", "2").stateLimits());
        ClientRecord a = client(state, "a");
        ClientRecord b = client(state, "b");
        ClientRecord c = client(state, "c");
        assertNotNull(state.delegations().grant(a, new FileHandle(new byte[] {1}), "p"));
        assertNull(state.delegations().grant(a, new FileHandle(new byte[] {2}), "p"), "one per client");
        assertNotNull(state.delegations().grant(b, new FileHandle(new byte[] {1}), "p"));
        assertNull(state.delegations().grant(c, new FileHandle(new byte[] {1}), "p"), "two in all");
        assertEquals(2, state.delegations().count());
    }

    private static ClientRecord client(StateManager state, String owner) throws NfsException {
        ClientRecord c = state.exchangeId(owner.getBytes(StandardCharsets.UTF_8), new byte[8], 0, "AUTH_SYS 0:0", 1,
                "10.0.0.1");
        state.createSession(c, new ChannelAttributes(0, 1 << 20, 1 << 20, 8192, 16, 8));
        return c;
    }

    @Test
    void zeroNegativeAndJunkAreRefusedNamingTheOption() {
        for (String option : List.of("--max-connections", "--max-connections-per-client", "--max-clients", "--max-clients-per-address",
                "--max-sessions-per-client", "--max-opens-per-client", "--max-opens", "--max-locks-per-client",
                "--max-locks", "--max-delegations-per-client", "--max-delegations")) {
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
                "--max-delegations-per-client=N Read delegations one client", "--max-delegations=N Read delegations all",
                "Default: 262144.",
                "Default: 64.", "--stalled-record-timeout=DURATION", "Default: 30s.", "--idle-timeout=DURATION",
                "Default: 6m.")) {
            assertTrue(help.contains(expected), "help lacks '" + expected + "':\n" + help);
        }
    }
}
