package org.nixnfs.server.nfs4.op;

import org.nixnfs.server.nfs4.CompoundContext;
import org.nixnfs.server.nfs4.NfsException;
import org.nixnfs.server.nfs4.NfsStatus;
import org.nixnfs.server.nfs4.Operation;
import org.nixnfs.server.nfs4.attr.Bitmap;
import org.nixnfs.server.nfs4.attr.Fattr;
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
 */
public final class ReadDir implements Operation {
    private static final byte[] VERIFIER = new byte[8];
    /** verifier + "no more entries" + eof. */
    private static final int FIXED_OVERHEAD = 8 + 4 + 4;

    @Override
    public void execute(CompoundContext ctx, XdrDecoder args, XdrEncoder result) throws NfsException {
        long cookie = args.readLong();
        args.readFixedOpaque(8); // cookie verifier: our cookies stay valid, so any verifier is accepted
        long dirCount = args.readUnsignedInt();
        long maxCount = Math.min(args.readUnsignedInt(), ctx.services().limits().maxResponseSize());
        Bitmap requested = Bitmap.read(args);
        if (requested.isSet(Fattr.TIME_ACCESS_SET) || requested.isSet(Fattr.TIME_MODIFY_SET)) {
            throw new NfsException(NfsStatus.NFS4ERR_INVAL, "write-only attribute requested");
        }
        if (cookie == 1 || cookie == 2) {
            throw new NfsException(NfsStatus.NFS4ERR_BAD_COOKIE, "reserved cookie " + cookie);
        }
        ExportFileSystem fs = ctx.services().fs();
        Node dir = ctx.current();
        if (fs.attributes(dir).type() != FileType.DIRECTORY) {
            throw new NfsException(NfsStatus.NFS4ERR_NOTDIR);
        }
        DirectoryListing listing = fs.list(dir);

        result.writeFixedOpaque(VERIFIER);
        long used = FIXED_OVERHEAD;
        long namesUsed = 0;
        int written = 0;
        int i = listing.indexAfter(cookie);
        for (; i < listing.size(); i++) {
            Node entry;
            try {
                entry = fs.lookup(dir, listing.name(i));
            } catch (NfsException gone) {
                continue;
            }
            long mark = result.mark();
            result.writeBoolean(true).writeLong(listing.cookie(i)).writeString(listing.name(i));
            long nameBytes = (int) result.mark() - (int) mark;
            ctx.services().attributes().write(result, requested, ctx.minorVersion(), GetAttr.subject(fs, entry));
            long entryBytes = (int) result.mark() - (int) mark;
            boolean overMax = used + entryBytes > maxCount;
            boolean overDir = dirCount > 0 && namesUsed + nameBytes > dirCount;
            if (overMax || (overDir && written > 0)) {
                result.reset(mark);
                if (written == 0) {
                    throw new NfsException(NfsStatus.NFS4ERR_TOOSMALL, "maxcount " + maxCount + " fits no entry");
                }
                break;
            }
            used += entryBytes;
            namesUsed += nameBytes;
            written++;
        }
        result.writeBoolean(false).writeBoolean(i >= listing.size());
    }

    /** A listing reads the directory and every entry's attributes, and is long work besides. */
    @Override
    public boolean mayBlock(CompoundContext ctx, XdrDecoder args) {
        return true;
    }
}
