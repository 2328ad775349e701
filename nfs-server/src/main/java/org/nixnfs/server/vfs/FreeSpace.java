package org.nixnfs.server.vfs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Space figures of the filesystem holding the store, read at most once a second: clients ask for
 * them with many GETATTRs, and a statfs per request would cost more than the request.
 */
final class FreeSpace {
    private static final Logger log = LoggerFactory.getLogger(FreeSpace.class);
    private static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path dir;
    private final LongSupplier nanoTime;
    private volatile Sample sample;

    private record Sample(FsStats stats, long takenAtNanos) {
    }

    /** @param nanoTime a monotonic clock ({@code System::nanoTime}; tests move their own) */
    FreeSpace(Path dir, LongSupplier nanoTime) {
        this.dir = dir;
        this.nanoTime = nanoTime;
    }

    /** The last sample if it is under a second old, else a new one; zeros if none could ever be read. */
    FsStats current() {
        Sample s = sample;
        long now = nanoTime.getAsLong();
        if (s == null || now - s.takenAtNanos > MAX_AGE_NANOS) {
            try {
                FileStore fs = Files.getFileStore(dir);
                s = new Sample(new FsStats(fs.getTotalSpace(), fs.getUnallocatedSpace(), fs.getUsableSpace()), now);
                sample = s;
            } catch (IOException e) {
                log.warn("cannot read space figures of {}", dir, e);
                if (s == null) {
                    return new FsStats(0, 0, 0);
                }
            }
        }
        return s.stats;
    }
}
