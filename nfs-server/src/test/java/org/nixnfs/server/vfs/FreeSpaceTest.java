package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreeSpaceTest {
    @TempDir
    Path dir;

    @Test
    void samplesAtMostOnceASecond() {
        AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(5));
        FreeSpace space = new FreeSpace(dir, now::get);
        FsStats first = space.current();
        assertTrue(first.total() > 0 && first.available() <= first.total(), first.toString());
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertSame(first, space.current());
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
        assertNotSame(first, space.current(), "a second later: read again");
    }

    @Test
    void zerosWhenTheFilesystemCannotBeRead() {
        FreeSpace space = new FreeSpace(dir.resolve("missing"), System::nanoTime);
        assertEquals(new FsStats(0, 0, 0), space.current());
    }
}
