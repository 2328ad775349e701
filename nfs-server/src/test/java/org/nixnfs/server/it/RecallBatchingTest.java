package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nixnfs.gc.GcPlan;
import org.nixnfs.gc.GcRunResult;
import org.nixnfs.server.NixnfsServer;
import org.nixnfs.server.testing.MutableClock;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.store.StorePath;
import org.nixnfs.store.testing.NixStoreFixture;

/**
 * GC recalls over real sockets, with Java test clients answering callbacks as told: a client
 * whose back-channel attributes take 8 recalls per call and 2 slots gets its 24 recalls in 3
 * CB_COMPOUNDs (one more after its first answer is NFS4ERR_DELAY); a Linux-shaped client (2
 * operations, 1 slot) gets one per call and answers one NFS4ERR_BADHANDLE, asked twice then
 * dropped as not held; a client whose backchannel connection is gone is told so in SEQUENCE,
 * binds a new one, and gets its recalls on it. GC deletes the path once all are returned.
 */
class RecallBatchingTest {
    static final int NFS4ERR_DELAY = 10008;
    static final int NFS4ERR_BADHANDLE = 10001;
    static final int SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200;
    static final int FILES = 24;

    @Test
    void recallsAreBatchedPerClientAndSentAgainUntilTheyGetThrough(@TempDir Path dir) throws Exception {
        NixStoreFixture nix = NixStoreFixture.create(dir);
        StorePath many = nix.build(NixStoreFixture.derivation("recall-many", String.join("\n",
                "/bin/mkdir -p $out",
                "i=0; while [ $i -lt " + FILES + " ]; do printf $i > $out/f$i; i=$((i+1)); done"))).get(0);
        MutableClock clock = new MutableClock(Instant.now());
        NixnfsServer.Config config = NixnfsServer.Config.builder(nix.storeRoot(), new InetSocketAddress("127.0.0.1", 0),
                Files.createDirectories(dir.resolve("state"))).build();
        try (NixnfsServer server = NixnfsServer.start(config, (Clock) clock);
             Nfs4TestClient wide = Nfs4TestClient.connectWithBackchannel(server.address(), 2, 9, 2);
             Nfs4TestClient linux = Nfs4TestClient.connectWithBackchannel(server.address(), 1, 2, 1);
             Nfs4TestClient lost = Nfs4TestClient.connectWithBackchannel(server.address(), 2, 9, 1)) {
            List<Nfs4TestClient.Opened> wideOpens = openAll(wide, many, FILES);
            List<Nfs4TestClient.Opened> linuxOpens = openAll(linux, many, 4);
            List<Nfs4TestClient.Opened> lostOpens = openAll(lost, many, 4);
            assertEquals(FILES + 8, server.state().delegations().count());

            wide.answerSequenceWith(n -> n == 1 ? NFS4ERR_DELAY : 0);
            byte[] forgotten = linuxOpens.get(0).fh();
            linux.answerRecallWith(r -> Arrays.equals(r.fh(), forgotten) ? NFS4ERR_BADHANDLE : 0);
            lost.reconnect(); // its backchannel's connection is gone; the session stays

            clock.advance(Duration.ofDays(30));
            long start = System.nanoTime();
            CompletableFuture<GcRunResult> gc = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.gc().collect();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });

            List<Nfs4TestClient.Recall> wideRecalls = awaitRecalls(wide, FILES);
            long wideMs = millisSince(start);
            List<Nfs4TestClient.Recall> linuxRecalls = awaitRecalls(linux, 3);
            while (linux.callbacks().size() < 5) { // the BADHANDLE recall, asked once more
                linux.rpc().awaitCall(60_000);
            }
            long linuxMs = millisSince(start);

            int flags;
            int sequences = 0;
            do {
                flags = lost.sequenceFlags();
                sequences++;
            } while ((flags & SEQ4_STATUS_CB_PATH_DOWN_SESSION) == 0 && sequences < 600 && sleep());
            assertEquals(SEQ4_STATUS_CB_PATH_DOWN_SESSION, flags & SEQ4_STATUS_CB_PATH_DOWN_SESSION,
                    "SEQUENCE tells the client its callback path is down");
            lost.bindBothChannels();
            assertEquals(0, lost.sequenceFlags() & SEQ4_STATUS_CB_PATH_DOWN_SESSION, "bound again");
            List<Nfs4TestClient.Recall> lostRecalls = awaitRecalls(lost, 4);
            long lostMs = millisSince(start);

            returnAll(wide, wideRecalls);
            returnAll(linux, linuxRecalls);
            returnAll(lost, lostRecalls);
            GcRunResult r = gc.get(2, TimeUnit.MINUTES);
            long gcMs = millisSince(start);
            Set<StorePath> deleted = r.deleted().stream().map(GcPlan.DeadPath::path).collect(Collectors.toSet());
            assertTrue(deleted.contains(many), "deleted once its delegations are returned: " + deleted);
            assertFalse(Files.exists(nix.realPath(many)));

            System.out.printf("recalls per CB_COMPOUND: 9 ops/2 slots %s (all %d in %d ms), 2 ops/1 slot %s (%d ms),"
                            + " rebound client %s (%d ms, %d SEQUENCEs to see CB_PATH_DOWN_SESSION); GC done in %d ms%n",
                    wide.recallsPerCall(), FILES, wideMs, linux.recallsPerCall(), linuxMs, lost.recallsPerCall(), lostMs,
                    sequences, gcMs);
            assertEquals(List.of(8, 8, 8, 8), wide.recallsPerCall(), "3 calls of 8, the one answered DELAY sent again");
            assertEquals(List.of(1, 1, 1, 1, 1), linux.recallsPerCall(), "one per call; the BADHANDLE one twice");
            assertEquals(List.of(4), lost.recallsPerCall(), "sent on the connection bound again, in one call");
            assertEquals(FILES + 3.0 + 4, RecallMeters.count(server, "returned"));
            assertEquals(1.0, RecallMeters.count(server, "not_held"));
            assertEquals(0.0, RecallMeters.count(server, "revoked"));
            assertEquals(0, server.state().delegations().count());
            assertNotNull(wideOpens);
            assertNotNull(lostOpens);
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static List<Nfs4TestClient.Opened> openAll(Nfs4TestClient c, StorePath p, int files) throws Exception {
        byte[] dir = c.lookup("/nix/store/" + p.baseName());
        List<Nfs4TestClient.Opened> opens = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Nfs4TestClient.Opened o = c.open(dir, "f" + i);
            assertNotNull(o.delegation(), "a delegation on f" + i);
            c.close(o);
            opens.add(o);
        }
        return opens;
    }

    private static List<Nfs4TestClient.Recall> awaitRecalls(Nfs4TestClient c, int n) throws Exception {
        List<Nfs4TestClient.Recall> got = new ArrayList<>();
        while (got.size() < n) {
            got.add(c.awaitRecall(60_000));
        }
        return got;
    }

    private static void returnAll(Nfs4TestClient c, List<Nfs4TestClient.Recall> recalls) throws Exception {
        for (Nfs4TestClient.Recall r : recalls) {
            assertEquals(0, c.delegReturn(r.fh(), r.seqid(), r.other()));
        }
    }
}
