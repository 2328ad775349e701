package org.nixnfs.server.nfs4.op;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.nixnfs.server.vfs.DirectoryListing;
import org.nixnfs.server.vfs.ExportFileSystem;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.Node;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * READDIR: entries after a cookie, each with the requested attributes, within the client's
 * {@code maxcount} (whole result) and {@code dircount} (names and cookies) limits. An entry that
 * vanished since the listing was made (a store path deleted meanwhile) is skipped.
 *
 * <p>Each entry's encoding (cookie, name, fattr4) is kept with the listing for the attribute set
 * asked for: directory entries of a store never change while their listing lives, so a listing
 * served once is served again by copying bytes, without the disk, on the event loop.
 */
public final class ReadDir implements Operation<ReadDir.Arguments> {
    private static final byte[] VERIFIER = new byte[8];
    /** verifier + "no more entries" + eof. */
    private static final int FIXED_OVERHEAD = 8 + 4 + 4;

    /** What an encoding depends on besides the entry: the minor version and the attributes. */
    private record EncodingKey(int minorVersion, Bitmap attributes) {
    }

    /**
     * READDIR4args. The cookie verifier is read past: our cookies stay valid, so any verifier is
     * accepted. Cookies 1 and 2 are reserved (BAD_COOKIE).
     */
    record Arguments(long cookie, long dirCount, long maxCount, Bitmap attributes) {
    }

    @Override
    public Arguments decode(XdrDecoder in) throws NfsException {
        long cookie = in.readLong();
        in.readFixedOpaque(8);
        long dirCount = in.readUnsignedInt();
        long maxCount = in.readUnsignedInt();
        Bitmap requested = GetAttr.readable(Bitmap.read(in));
        if (cookie == 1 || cookie == 2) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_COOKIE, "reserved cookie " + cookie);
        }
        return new Arguments(cookie, dirCount, maxCount, requested);
    }

    /** A listing served before, with these attributes, is only copied: the rest goes to a worker. */
    @Override
    public boolean executeInMemory(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        return readDir(args, ctx, result, false);
    }

    @Override
    public void execute(Arguments args, CompoundContext ctx, XdrEncoder result) throws NfsException {
        readDir(args, ctx, result, true);
    }

    /**
     * @param mayReadDisk whether the listing may be made, and entries encoded, here; if not, and
     *                    the listing is not cached and encoded whole, nothing is written and the
     *                    answer is false
     */
    private static boolean readDir(Arguments req, CompoundContext ctx, XdrEncoder result, boolean mayReadDisk)
            throws NfsException {
        long maxCount = Math.min(Math.min(req.maxCount(), ctx.services().limits().maxResponseSize()),
                ctx.replyRoom(result));
        ExportFileSystem fs = ctx.services().fs();
        Node dir = ctx.current();
        if (fs.attributes(dir).type() != FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
        }
        DirectoryListing listing = mayReadDisk ? fs.list(dir) : fs.listInMemory(dir);
        if (listing == null) {
            return false;
        }
        DirectoryListing.Encoded encoded = listing.encoded(new EncodingKey(ctx.minorVersion(), req.attributes()));
        if (!mayReadDisk && !encoded.complete()) {
            return false;
        }

        result.writeFixedOpaque(VERIFIER);
        long used = FIXED_OVERHEAD;
        long namesUsed = 0;
        int written = 0;
        int i = listing.indexAfter(req.cookie());
        for (; i < listing.size(); i++) {
            byte[] entry = encoded.get(i);
            if (entry == null) {
                entry = encode(ctx, fs, dir, listing, i, req.attributes());
                if (entry == null) {
                    continue; // gone since the listing was made
                }
                encoded.set(i, entry);
            }
            long entryBytes = 4 + entry.length;
            long nameBytes = 4 + 8 + 4 + XdrDecoder.pad(nameLength(entry));
            boolean overMax = used + entryBytes > maxCount;
            boolean overDir = req.dirCount() > 0 && namesUsed + nameBytes > req.dirCount();
            if (overMax || (overDir && written > 0)) {
                if (written == 0) {
                    throw new NfsException(NfsStatus.NFS4ERR_TOOSMALL, "maxcount " + maxCount + " fits no entry");
                }
                break;
            }
            result.writeBoolean(true).writeFixedOpaque(entry);
            used += entryBytes;
            namesUsed += nameBytes;
            written++;
        }
        result.writeBoolean(false).writeBoolean(i >= listing.size());
        return true;
    }

    /** Entry {@code i} as entry4 minus value_follows: cookie, name, fattr4; null if it is gone. */
    private static byte[] encode(CompoundContext ctx, ExportFileSystem fs, Node dir, DirectoryListing listing, int i,
                                 Bitmap attributes) throws NfsException {
        Node node;
        try {
            node = fs.lookup(dir, listing.name(i)); // never waits: a name gone since the listing is skipped
        } catch (NfsException gone) {
            return null;
        }
        try (XdrEncoder e = new XdrEncoder(UnpooledByteBufAllocator.DEFAULT)) {
            e.writeLong(listing.cookie(i)).writeString(listing.name(i));
            ctx.services().attributes().write(e, attributes, ctx.minorVersion(), GetAttr.subject(fs, node));
            ByteBuf b = (ByteBuf) e.finish().get(0);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            return bytes;
        }
    }

    /** The name's length, stored right after the 8-byte cookie. */
    private static int nameLength(byte[] entry) {
        return ((entry[8] & 0xff) << 24) | ((entry[9] & 0xff) << 16) | ((entry[10] & 0xff) << 8) | (entry[11] & 0xff);
    }
}
