package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.net.AllowList;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/**
 * Who may connect: two client hosts on loopback (127.0.0.1 and 127.0.0.2 are both local), only
 * the first in the allow-list; and a limit on connections per client address.
 */
class ClientAccessTest {
    static final InetAddress ALLOWED = address("127.0.0.1");
    static final InetAddress OTHER = address("127.0.0.2");
    static TestStore store;
    static NixnfsServer server;

    @BeforeAll
    static void start() throws Exception {
        store = TestStore.get();
        server = NixnfsServer.start(NixnfsServer.Config.builder(store.nix.storeRoot(),
                new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-state"))
                .security(SecuritySettings.builder().allow(AllowList.of(List.of("127.0.0.1/32")))
                        .maxConnectionsPerClient(4).build())
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double refused(String reason) {
        return server.metrics().get("nixnfs.nfs.connections.refused").tag("reason", reason).functionCounter().count();
    }

    @Test
    void anAllowedAddressIsServedAndAnotherIsClosedAtAccept() throws Exception {
        String file = TestStore.exportPath(store.tool) + "/include/tool.h";
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), 1, ALLOWED)) {
            assertArrayEquals(Files.readAllBytes(store.onDisk(store.tool).resolve("include/tool.h")),
                    c.readAll(c.lookup(file), 0, new byte[12], 4096));
        }
        double before = refused(ClientGate.Refusal.NOT_ALLOWED.tag);
        try (RpcTestClient other = new RpcTestClient(server.address(), OTHER)) {
            // Closed without an answer, whatever we send: the server read nothing from us.
            assertTrue(other.closedByServer(30_000), "a connection from 127.0.0.2 is closed");
        }
        assertEquals(before + 1, refused(ClientGate.Refusal.NOT_ALLOWED.tag));
    }

    @Test
    void connectionsPerAddressAreLimited() throws Exception {
        List<RpcTestClient> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(new RpcTestClient(server.address(), ALLOWED));
            }
            double before = refused(ClientGate.Refusal.TOO_MANY_CONNECTIONS.tag);
            try (RpcTestClient fifth = new RpcTestClient(server.address(), ALLOWED)) {
                assertTrue(fifth.closedByServer(30_000), "the fifth connection from one address is closed");
            }
            assertEquals(before + 1, refused(ClientGate.Refusal.TOO_MANY_CONNECTIONS.tag));
        } finally {
            for (RpcTestClient c : held) {
                c.close();
            }
        }
        // Once they are gone, the address may connect again.
        Nfs4TestClient again = null;
        for (int attempt = 0; again == null; attempt++) {
            try {
                again = Nfs4TestClient.connect(server.address(), 1, ALLOWED);
            } catch (IOException e) {
                if (attempt > 100) {
                    throw e;
                }
                Thread.sleep(50); // the server sees the closes a moment after we make them
            }
        }
        again.close();
    }
}
