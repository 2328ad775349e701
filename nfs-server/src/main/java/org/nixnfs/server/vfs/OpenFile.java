package org.nixnfs.server.vfs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open store file shared by all READs of it. Reference counted: the open-file cache holds one
 * reference and every READ in flight holds one, so evicting it from the cache never closes a
 * channel that a reply is still being sent from. The channel is closed when the last reference
 * is released; after that no reference can be taken again.
 */
public final class OpenFile {
    private static final Logger log = LoggerFactory.getLogger(OpenFile.class);
    private final FileChannel channel;
    private final long size;
    private final AtomicInteger references = new AtomicInteger(1);

    /** Opened with one reference, the caller's. */
    public OpenFile(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    public FileChannel channel() {
        return channel;
    }

    public long size() {
        return size;
    }

    /** One more reference; the file must still be open (the caller holds a reference). */
    public OpenFile retain() {
        if (tryRetain() == null) {
            throw new IllegalStateException("retained a store file that is closed");
        }
        return this;
    }

    /**
     * One more reference, or null if the last one was released and the file closed (it was
     * evicted from the cache and its last READ finished in the meantime).
     */
    OpenFile tryRetain() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return null;
            }
            if (references.compareAndSet(n, n + 1)) {
                return this;
            }
        }
    }

    /** Gives one reference back; the last one closes the channel. */
    public void release() {
        int n = references.decrementAndGet();
        if (n == 0) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("closing a store file failed", e);
            }
        } else if (n < 0) {
            references.incrementAndGet();
            throw new IllegalStateException("released a store file more often than it was retained");
        }
    }

    /** References held now: 0 once closed. */
    int references() {
        return references.get();
    }
}
