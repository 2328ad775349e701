package org.nixnfs.server.nfs4.attr;

import java.util.function.Supplier;
import org.nixnfs.server.vfs.Attributes;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.vfs.FsStats;
import org.nixnfs.server.xdr.XdrEncoder;

/**
 * Writes an fattr4 (the bitmap of attributes returned, then their values in attribute order)
 * for one node. Attributes a client asks for but we do not support are left out of the returned
 * bitmap, as RFC 7530 section 16.7 prescribes for GETATTR.
 */
public final class AttributeEncoder {
    private static final long FSID_MAJOR = 0x6e69786e6673L; // "nixnfs"
    private final long fsidMinor;
    private final int leaseTimeSeconds;
    private final int maxReadWrite;

    public AttributeEncoder(String exportPath, int leaseTimeSeconds, int maxReadWrite) {
        this.fsidMinor = Integer.toUnsignedLong(exportPath.hashCode());
        this.leaseTimeSeconds = leaseTimeSeconds;
        this.maxReadWrite = maxReadWrite;
    }

    /** The node an fattr4 describes. */
    public record Subject(FileHandle handle, Attributes attributes, Supplier<FsStats> fsStats) {
    }

    public void write(XdrEncoder out, Bitmap requested, int minorVersion, Subject s) {
        write(out, requested, minorVersion, s, 0);
    }

    /** Writes the fattr4; {@code rdattrError} is reported only if RDATTR_ERROR was asked for. */
    public void write(XdrEncoder out, Bitmap requested, int minorVersion, Subject s, int rdattrError) {
        Bitmap supported = Fattr.supported(minorVersion);
        Bitmap returned = requested.and(supported);
        returned.write(out);
        XdrEncoder.IntSlot length = out.reserveInt();
        writeValues(out, returned, supported, s, rdattrError);
        length.set(length.bytesAfter());
    }

    /** Only the attribute values, for VERIFY/NVERIFY comparisons. */
    public void writeValues(XdrEncoder out, Bitmap attrs, int minorVersion, Subject s) {
        writeValues(out, attrs, Fattr.supported(minorVersion), s, 0);
    }

    private void writeValues(XdrEncoder out, Bitmap attrs, Bitmap supported, Subject s, int rdattrError) {
        Attributes a = s.attributes();
        FsStats fs = null;
        for (int attr = 0; attr < attrs.limit(); attr++) {
            if (!attrs.isSet(attr)) {
                continue;
            }
            switch (attr) {
                case Fattr.SUPPORTED_ATTRS -> supported.write(out);
                case Fattr.TYPE -> out.writeInt(a.type().nfsType());
                case Fattr.FH_EXPIRE_TYPE -> out.writeInt(0); // FH4_PERSISTENT: handles never expire
                case Fattr.CHANGE -> out.writeLong(a.change());
                case Fattr.SIZE -> out.writeLong(a.size());
                case Fattr.LINK_SUPPORT, Fattr.SYMLINK_SUPPORT, Fattr.UNIQUE_HANDLES, Fattr.CASE_PRESERVING,
                        Fattr.CHOWN_RESTRICTED, Fattr.HOMOGENEOUS, Fattr.NO_TRUNC -> out.writeBoolean(true);
                case Fattr.NAMED_ATTR, Fattr.CANSETTIME, Fattr.CASE_INSENSITIVE -> out.writeBoolean(false);
                case Fattr.FSID -> out.writeLong(FSID_MAJOR).writeLong(fsidMinor);
                case Fattr.LEASE_TIME -> out.writeInt(leaseTimeSeconds);
                case Fattr.RDATTR_ERROR -> out.writeInt(rdattrError);
                case Fattr.ACLSUPPORT -> out.writeInt(0);
                case Fattr.FILEHANDLE -> out.writeOpaque(s.handle().bytes());
                case Fattr.FILEID, Fattr.MOUNTED_ON_FILEID -> out.writeLong(a.fileId());
                case Fattr.MAXFILESIZE -> out.writeLong(Long.MAX_VALUE);
                case Fattr.MAXLINK -> out.writeInt(65000);
                case Fattr.MAXNAME -> out.writeInt(255);
                case Fattr.MAXREAD, Fattr.MAXWRITE -> out.writeLong(maxReadWrite);
                case Fattr.MODE -> out.writeInt(a.mode());
                case Fattr.NUMLINKS -> out.writeInt(a.numLinks());
                // Numeric ids: the Linux client maps them directly with AUTH_SYS (no idmapd needed).
                case Fattr.OWNER -> out.writeString(Integer.toUnsignedString(a.uid()));
                case Fattr.OWNER_GROUP -> out.writeString(Integer.toUnsignedString(a.gid()));
                case Fattr.RAWDEV -> out.writeInt(0).writeInt(0);
                case Fattr.SPACE_AVAIL, Fattr.SPACE_FREE, Fattr.SPACE_TOTAL -> {
                    fs = fs != null ? fs : s.fsStats().get();
                    out.writeLong(attr == Fattr.SPACE_AVAIL ? fs.available()
                            : attr == Fattr.SPACE_FREE ? fs.free() : fs.total());
                }
                case Fattr.SPACE_USED -> out.writeLong(a.spaceUsed());
                case Fattr.TIME_ACCESS -> writeTime(out, a.accessTime());
                case Fattr.TIME_DELTA -> out.writeLong(0).writeInt(1);
                case Fattr.TIME_METADATA -> writeTime(out, a.changeTime());
                case Fattr.TIME_MODIFY -> writeTime(out, a.modifyTime());
                case Fattr.SUPPATTR_EXCLCREAT -> Bitmap.empty().write(out); // no exclusive create on a read-only export
                default -> throw new IllegalStateException("attribute " + attr + " is marked supported but not encoded");
            }
        }
    }

    private static void writeTime(XdrEncoder out, long epochNanos) {
        out.writeLong(Math.floorDiv(epochNanos, 1_000_000_000L)).writeInt((int) Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
