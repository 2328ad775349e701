package org.nixnfs.server.it.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.store.StorePath;

/** How a kernel-client VM test and its guest script take turns: the host says a word, the guest's CLOSEs arrive. */
public final class GuestHandshake {
    private GuestHandshake() {
    }

    /** Tells the guest (waiting on a connection to {@code signal}) that the host's step is done. */
    public static void tell(ServerSocket signal, String word, Duration guestMayTake) throws IOException {
        signal.setSoTimeout((int) guestMayTake.toMillis());
        try (Socket s = signal.accept(); OutputStream out = s.getOutputStream()) {
            out.write((word + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Waits for the guest's CLOSEs of files in {@code p}: the client's CLOSE may trail its close(2) a little. */
    public static void waitForClose(NixnfsServer server, StorePath p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.state().openCount(p.hashPart()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, server.state().openCount(p.hashPart()), "the guest's CLOSE reached the server");
    }
}
