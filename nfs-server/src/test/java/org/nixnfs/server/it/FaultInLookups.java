package org.nixnfs.server.it;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.stream.Collectors;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.testing.Nfs4TestClient;

/**
 * A client's LOOKUP of a path fault-in fetches, for the fault-in tests (FaultInTest,
 * ReplicaSyncTest): asked again after each DELAY, as the Linux client does, and on any other
 * answer a failure that carries the server's fetch meters (why the LOOKUP was NOENT).
 */
final class FaultInLookups {
    /** The Linux client's first wait before it asks again after DELAY. */
    private static final long RETRY_MILLIS = 100;

    private FaultInLookups() {
    }

    /**
     * LOOKUPs {@code path} until the answer is not DELAY; returns how many DELAYs there were. Fails
     * on another error, or when still DELAY after {@code timeout}. Throws nothing checked, so that
     * two clients can ask at once from CompletableFutures.
     */
    static int lookupThroughDelays(NixnfsServer server, Nfs4TestClient c, String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int delays = 0; ; delays++) {
            try {
                c.lookup(path);
                return delays;
            } catch (Nfs4TestClient.NfsError e) {
                if (e.status != NfsStatus.NFS4ERR_DELAY || System.nanoTime() > deadline) {
                    throw new AssertionError("LOOKUP " + path + ": " + NfsStatus.name(e.status) + " after " + delays
                            + " DELAY answers; fetch meters: " + fetchMeters(server), e);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while LOOKUP " + path + " was DELAY", e);
            }
        }
    }

    /** The fetch meters (narinfo answers, fetch outcomes), one line. */
    static String fetchMeters(NixnfsServer server) {
        return server.metrics().getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("nixnfs.fetch") && m instanceof Counter)
                .map(m -> m.getId().getName() + m.getId().getTags() + "=" + ((Counter) m).count())
                .sorted().collect(Collectors.joining(", "));
    }
}
