package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.SecuritySettings;
import org.nixnfs.server.net.ClientGate;
import org.nixnfs.server.testing.RpcTestClient;
import org.nixnfs.server.testing.TestStore;

/**
 * --require-privileged-port, and connections that sit silent: a server with short timeouts
 * (half a record for 1 s, nothing at all for 2 s, replies not taken for 1 s) closes them, and a
 * client that keeps working is not taken for one.
 */
class ConnectionPolicyTest {
    static TestStore store;
    static NixnfsServer server;

    @BeforeAll
    static void start() throws Exception {
        store = TestStore.get();
        server = NixnfsServer.start(NixnfsServer.Config.builder(store.nix.storeRoot(),
                new InetSocketAddress("127.0.0.1", 0), Files.createTempDirectory("nixnfs-state"))
                .security(SecuritySettings.builder().requirePrivilegedPort(true)
                        .stalledRecordTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(2))
                        .replyTimeout(Duration.ofSeconds(1)).build())
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A socket from a port below 1024 (the tests run as root, as scripts/install-deps needs). */
    static Socket privileged() throws IOException {
        for (int port = 1023; port > 600; port--) {
            Socket s = new Socket();
            try {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                s.connect(server.address(), 10_000);
                return s;
            } catch (BindException e) {
                s.close();
                if (e.getMessage().contains("ermission")) {
                    throw new AssertionError("binding a port below 1024 needs root (or CAP_NET_BIND_SERVICE)", e);
                }
            }
        }
        throw new AssertionError("no free port below 1024");
    }

    static double openConnections() {
        return server.metrics().get("nixnfs.nfs.connections").gauge().value();
    }

    static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            return new DataInputStream(s.getInputStream()).read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void anUnprivilegedSourcePortIsRefused() throws Exception {
        double before = server.metrics().get("nixnfs.nfs.connections.refused")
                .tag("reason", ClientGate.Refusal.UNPRIVILEGED_PORT.tag).functionCounter().count();
        try (RpcTestClient c = new RpcTestClient(server.address())) {
            assertTrue(c.closedByServer(30_000));
        }
        assertEquals(before + 1, server.metrics().get("nixnfs.nfs.connections.refused")
                .tag("reason", ClientGate.Refusal.UNPRIVILEGED_PORT.tag).functionCounter().count());
    }

    @Test
    void silentConnectionsAreClosedAndWorkingOnesAreNot() throws Exception {
        try (Socket idle = privileged(); Socket half = privileged(); Socket busy = privileged()) {
            half.getOutputStream().write(new byte[] {(byte) 0x80, 0, 0x10, 0, 1, 2, 3}); // 4 KiB announced, 3 sent
            // The busy one makes a NULL call every 300 ms for 4 s, longer than both timeouts, and
            // gets every answer.
            busy.setSoTimeout(30_000);
            DataInputStream answers = new DataInputStream(busy.getInputStream());
            long end = System.nanoTime() + 4_000_000_000L;
            for (int xid = 1; System.nanoTime() < end; xid++) {
                byte[] call = Unpooled.buffer().writeInt(0x80000028).writeInt(xid).writeInt(0)
                        .writeInt(2).writeInt(100003).writeInt(4).writeInt(0).writeLong(0).writeLong(0).array();
                busy.getOutputStream().write(call, 0, 44);
                byte[] reply = new byte[28];
                answers.readFully(reply); // EOFException if the server closed it
                assertEquals(xid, ByteBuffer.wrap(reply).getInt(4));
                Thread.sleep(300);
            }
            assertTrue(closedWithin(half, 30_000), "half a record, then silence: closed");
            assertTrue(closedWithin(idle, 30_000), "no bytes at all: closed after the idle timeout");
        }
    }

    @Test
    void aClientThatTakesNoRepliesIsClosed() throws Exception {
        double before = openConnections();
        try (Socket deaf = privileged()) {
            waitFor(() -> openConnections() == before + 1, "the connection is counted");
            // NULL calls, as fast as the socket takes them, and not one reply read: the socket
            // buffers fill, the server's replies queue up and stay there.
            Thread caller = new Thread(() -> {
                byte[] calls = new byte[44 * 1024];
                ByteBuffer b = ByteBuffer.wrap(calls);
                for (int i = 0; i < 1024; i++) {
                    b.putInt(0x80000028).putInt(i).putInt(0).putInt(2).putInt(100003).putInt(4).putInt(0)
                            .putLong(0).putLong(0);
                }
                try {
                    for (int round = 0; round < 100_000; round++) {
                        deaf.getOutputStream().write(calls);
                    }
                } catch (IOException e) {
                    // the server closed it: what this test waits for
                }
            }, "deaf-client");
            caller.setDaemon(true);
            caller.start();
            waitFor(() -> openConnections() == before, "the server closes the connection whose replies pile up");
            caller.join(30_000);
            assertTrue(!caller.isAlive(), "the client's writes fail once the server has closed the connection");
        }
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
