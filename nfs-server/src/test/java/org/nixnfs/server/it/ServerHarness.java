package org.nixnfs.server.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.TestStore;

/** Starts the real server on a free loopback port over the test store. */
final class ServerHarness {
    private ServerHarness() {
    }

    static NixnfsServer start(TestStore store) throws Exception {
        return start(store, 90);
    }

    static NixnfsServer start(TestStore store, int leaseSeconds) throws Exception {
        return start(store.nix.storeRoot(), leaseSeconds, 0);
    }

    static NixnfsServer start(Path storeRoot, int leaseSeconds, int port) throws Exception {
        return start(storeRoot, leaseSeconds, port, Files.createTempDirectory("nixnfs-state"));
    }

    static NixnfsServer start(Path storeRoot, int leaseSeconds, int port, Path state) throws Exception {
        NixnfsServer.Config c = NixnfsServer.Config.builder(storeRoot, new InetSocketAddress("127.0.0.1", port), state)
                .leaseSeconds(leaseSeconds).build();
        return NixnfsServer.start(c);
    }

    static byte[] read(Path p) throws IOException {
        return Files.readAllBytes(p);
    }
}
