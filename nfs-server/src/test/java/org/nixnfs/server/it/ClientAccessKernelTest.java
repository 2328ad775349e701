package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.it.guest.HostProcess;
import org.nixnfs.server.it.guest.HostTools;
import org.nixnfs.server.net.AllowList;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.testing.TestStore;

/**
 * The allow-list with Linux's own client, in one guest boot: qemu's user-mode network makes the
 * guest's connections arrive from 127.0.0.1, so a server allowing 127.0.0.1/32 is mounted and one
 * allowing only 127.0.0.2/32 is not (and counts the refusals).
 */
@Tag("vm")
@Tag("slow")
class ClientAccessKernelTest {
    @Test
    void theKernelClientMountsOnlyWhereItsAddressIsAllowed() throws Exception {
        HostTools.requirePackages("qemu-system-x86", "busybox-static", "kmod", "cpio");
        TestStore store = TestStore.get();
        try (NixnfsServer allowed = start(store, "127.0.0.1/32"); NixnfsServer refused = start(store, "127.0.0.2/32")) {
            HostProcess guest = HostProcess.start("allow", List.of(KernelClients.runGuest(), "--timeout", "400",
                    HostTools.guestDir().resolve("allow-check.sh").toString(),
                    "ALLOWED_PORT=" + allowed.address().getPort(), "REFUSED_PORT=" + refused.address().getPort(),
                    "NAME=" + store.tool.baseName(), "WAIT=60"), HostTools.repoRoot(), Map.of(), null);
            try (guest) {
                int rc = guest.await(Duration.ofSeconds(450));
                assertTrue(rc == 0, "guest exit " + rc + ": " + guest.failureReport(rc));
            }
            double count = refused.metrics().get("nixnfs.nfs.connections.refused")
                    .tag("reason", ClientGate.Refusal.NOT_ALLOWED.tag).functionCounter().count();
            assertTrue(count >= 1, "the refusing server counted the guest's connections: " + count);
        }
    }

    private static NixnfsServer start(TestStore store, String cidr) throws Exception {
        return NixnfsServer.start(NixnfsServer.Config.builder(store.nix.storeRoot(),
                new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-state"))
                .security(SecuritySettings.builder().allow(AllowList.of(List.of(cidr))).build())
                .build());
    }
}
