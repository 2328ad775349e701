package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared store file's references: the channel closes with the last one, and never reopens. */
class OpenFileTest {
    @TempDir
    Path dir;

    private OpenFile open() throws Exception {
        Path f = Files.writeString(dir.resolve("file"), "content");
        return new OpenFile(FileChannel.open(f, StandardOpenOption.READ), 7);
    }

    @Test
    void theChannelClosesWithTheLastReference() throws Exception {
        OpenFile f = open(); // the cache's reference
        assertSame(f, f.retain()); // a READ's
        f.release(); // evicted from the cache
        assertTrue(f.channel().isOpen(), "the READ still sends from it");
        f.release();
        assertFalse(f.channel().isOpen());
        assertEquals(0, f.references());
    }

    @Test
    void aClosedFileGivesNoNewReference() throws Exception {
        OpenFile f = open();
        f.release();
        assertNull(f.tryRetain(), "the cache's caller opens it again instead");
        assertThrows(IllegalStateException.class, f::retain);
        assertThrows(IllegalStateException.class, f::release, "released once too often");
        assertEquals(0, f.references(), "a wrong release leaves the count as it was");
    }

    /** READs retaining and releasing while the cache lets go: closed once, after the last, and never used closed. */
    @Test
    void concurrentReadersAndAnEvictionCloseItExactlyOnceAfterTheLast() throws Exception {
        OpenFile f = open();
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger sawClosed = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread r = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (f.tryRetain() == null) {
                        return; // closed: a READ would open the file again
                    }
                    if (!f.channel().isOpen()) {
                        sawClosed.incrementAndGet();
                    }
                    f.release();
                }
            });
            r.start();
            readers.add(r);
        }
        start.countDown();
        f.release(); // the cache's reference, while the readers run
        for (Thread r : readers) {
            r.join();
        }
        assertEquals(0, sawClosed.get(), "no reader held a closed channel");
        assertEquals(0, f.references());
        assertFalse(f.channel().isOpen());
    }
}
