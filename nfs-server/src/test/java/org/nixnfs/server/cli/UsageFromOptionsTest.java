package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import picocli.CommandLine;

/** Which token {@code serve --usage-from} sends to the replicas. */
class UsageFromOptionsTest {
    private static NixnfsServer.Config.UsagePull parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.usagePull();
    }

    @Test
    void theServersOwnAdminTokenUnlessAnotherIsNamed() {
        NixnfsServer.Config.UsagePull own = parse("--usage-from", "http://replica-0:9100", "--usage-from",
                "http://replica-1:9100", "--admin-token-file", "/etc/nixnfs/admin-token");
        assertEquals(List.of(URI.create("http://replica-0:9100"), URI.create("http://replica-1:9100")), own.replicas());
        assertEquals(Path.of("/etc/nixnfs/admin-token"), own.tokenFile());
        assertEquals(Duration.ofMinutes(1), own.interval());

        NixnfsServer.Config.UsagePull other = parse("--usage-from", "http://replica-0:9100", "--admin-token-file",
                "/etc/nixnfs/admin-token", "--usage-from-token-file", "/etc/nixnfs/replica-token");
        assertEquals(Path.of("/etc/nixnfs/replica-token"), other.tokenFile());

        assertNull(parse("--usage-from", "http://replica-0:9100").tokenFile(), "no token: none sent");
        assertNull(parse("--admin-token-file", "/etc/nixnfs/admin-token"), "no --usage-from: no pulls");
    }
}
