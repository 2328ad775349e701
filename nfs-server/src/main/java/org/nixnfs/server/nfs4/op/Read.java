package org.nixnfs.server.nfs4.op;

import io.netty.channel.FileRegion;
import java.io.IOException;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.state.StateEntry;
import org.nixnfs.server.nfs4.state.StateId;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.vfs.OpenFile;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * READ: file data straight from the page cache to the socket. Large reads are spliced as a
 * {@link FileRegion} (sendfile); small ones are read into the reply's off-heap buffer, which is
 * cheaper than a sendfile per 4 KiB. Either way the data never passes through the Java heap.
 */
public final class Read implements Operation<Read.Arguments> {
    /** Below this, one read(2) into the reply buffer beats an extra sendfile(2). */
    static final int SPLICE_THRESHOLD = 64 * 1024;
    /** READ4resok around the data: eof, the data's length, up to 3 bytes of padding. */
    private static final int RESULT_OVERHEAD = 4 + 4 + 3;

    record Arguments(StateId stateId, long offset, long count) {
    }

    @Override
    public Arguments decode(XdrDecoder in) {
        return new Arguments(StateId.read(in), in.readLong(), in.readUnsignedInt());
    }

    /**
     * Data comes from the page cache (or sendfile); opening the file may touch the disk, so on the
     * event loop only a file open already is read. One look: the open file found is the one read.
     */
    @Override
    public boolean executeInMemory(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        return read(args, ctx, result, false);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        read(args, ctx, result, true);
    }

    /**
     * @param mayOpen whether the file may be opened here; if not, and it is not open already,
     *                nothing is written and the answer is false
     */
    private static boolean read(Arguments args, CompoundContext ctx, XdrEncoder result, boolean mayOpen)
            throws NfsException {
        StateId stateId = ctx.resolveStateId(args.stateId());
        long offset = args.offset();
        long room = ctx.replyRoom(result) - RESULT_OVERHEAD;
        int count = (int) Math.max(0, Math.min(Math.min(args.count(), ctx.services().limits().maxRead()), room));
        Node file = ctx.current();
        checkStateId(ctx, stateId, file);
        if (offset < 0) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "offset beyond 2^63");
        }
        OpenFile open = mayOpen ? ctx.services().fs().open(file) : ctx.services().fs().openInMemory(file);
        if (open == null) {
            return false;
        }
        try {
            long size = open.size();
            int n = (int) Math.max(0, Math.min(count, size - offset));
            boolean eof = offset + n >= size;
            result.writeBoolean(eof);
            if (n >= SPLICE_THRESHOLD && ctx.zeroCopyAllowed()) {
                result.writeOpaque(new OpenFileRegion(open.retain(), offset, n), n);
            } else {
                result.writeOpaque(open.channel(), offset, n);
            }
            ctx.addBytesRead(n);
            return true;
        } catch (IOException e) {
            throw new NfsException(NfsStatus.NFS4ERR_IO, "reading " + file.handle(), e);
        } finally {
            open.release();
        }
    }

    /** Special stateids may read; any other must be a current open (or lock) of this very file. */
    static void checkStateId(CompoundContext ctx, StateId id, Node file) throws NfsException {
        if (id.isAnonymousOrBypass()) {
            return;
        }
        StateEntry s = ctx.services().state().anyState(id, ctx.minorVersion());
        if (!s.file().equals(file.handle())) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_STATEID, "stateid is for another file");
        }
    }
}
