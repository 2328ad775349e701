package org.nixnfs.server.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.TestStore;

/** Tests that share one server over the test store, started once per class. */
abstract class SharedServerTest {
    static TestStore store;
    static NixnfsServer server;

    @BeforeAll
    static void startServer() throws Exception {
        store = TestStore.get();
        server = ServerHarness.start(store);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
