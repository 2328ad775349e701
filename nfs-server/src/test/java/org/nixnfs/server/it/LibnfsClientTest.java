package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;

/**
 * libnfs (a user-space NFSv4.0 client, Debian's libnfs-utils) against the server serving the
 * demo store: benchmarks/ganesha/libnfs-check lists the export, walks every store path and
 * reads every file back (sha256). Its output goes to the test log; a failure quotes its FAIL lines.
 *
 * <p>Without libnfs-utils the test fails, naming scripts/install-deps (which installs it before
 * the tests run); see {@link HostTools#requirePackages}.
 */
@Tag("slow")
class LibnfsClientTest {
    static Path storeRoot;
    static NixnfsServer server;

    @BeforeAll
    static void start() throws Exception {
        HostTools.requirePackages("libnfs-utils");
        storeRoot = HostTools.demoStoreRoot();
        server = ServerHarness.start(storeRoot, 90, 0);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            KernelClientTest.closeWithin(server, "the server");
        }
    }

    @Test
    void libnfsListsAndReadsTheDemoStore() throws Exception {
        try (HostProcess check = HostProcess.start("libnfs-check", List.of(
                HostTools.repoRoot().resolve("benchmarks/ganesha/libnfs-check").toString(),
                storeRoot.resolve("nix/store").toString(), Integer.toString(server.address().getPort())),
                HostTools.repoRoot())) {
            int rc = check.await(Duration.ofMinutes(5));
            if (rc != 0) {
                fail(check.failureReport(rc));
            }
            KernelClientTest.assertGuestPassed(check, rc);
        }
    }
}
