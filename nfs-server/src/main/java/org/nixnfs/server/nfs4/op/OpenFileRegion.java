package org.nixnfs.server.nfs4.op;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.nixnfs.server.vfs.OpenFile;

/**
 * A {@link FileRegion} over a shared {@link OpenFile}: like Netty's DefaultFileRegion, it is sent
 * with {@code FileChannel.transferTo} (sendfile(2) to a socket), but releasing it releases our
 * reference to the shared file instead of closing the channel under other READs.
 */
final class OpenFileRegion extends AbstractReferenceCounted implements FileRegion {
    private final OpenFile file;
    private final long position;
    private final long count;
    private long transferred;

    OpenFileRegion(OpenFile file, long position, long count) {
        this.file = file;
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferTo(WritableByteChannel target, long pos) throws IOException {
        long remaining = count - pos;
        if (remaining <= 0) {
            return 0;
        }
        long n = file.channel().transferTo(position + pos, remaining, target);
        if (n == 0 && file.channel().size() < position + count) {
            // The file shrank under us: store content must never change, so fail loudly.
            throw new IOException("store file shrank while being read");
        }
        transferred += n;
        return n;
    }

    @Override
    protected void deallocate() {
        file.release();
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }
}
