package org.nixnfs.server.vfs;

import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open store file shared by all READs of it. Reference counted: the open-file cache holds one
 * reference and every READ in flight holds one, so evicting it from the cache never closes a
 * channel that a reply is still being sent from.
 */
public final class OpenFile extends AbstractReferenceCounted {
    private static final Logger log = LoggerFactory.getLogger(OpenFile.class);
    private final FileChannel channel;
    private final long size;

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

    @Override
    public OpenFile retain() {
        super.retain();
        return this;
    }

    @Override
    protected void deallocate() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("closing a store file failed", e);
        }
    }

    @Override
    public OpenFile touch(Object hint) {
        return this;
    }
}
