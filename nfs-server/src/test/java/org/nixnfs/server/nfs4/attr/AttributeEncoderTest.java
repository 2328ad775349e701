package org.nixnfs.server.nfs4.attr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.vfs.Attributes;
import org.nixnfs.server.vfs.FileHandle;
import org.nixnfs.server.vfs.FileType;
import org.nixnfs.server.vfs.FsStats;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

class AttributeEncoderTest {
    private static final Attributes FILE = new Attributes(FileType.REGULAR, 0555, 1, 0, 0, 77, 4096, 0x4000000000000123L,
            1_000_000_001L, 1_000_000_001L, 1_500_000_000_000_000_123L, 99);

    private static XdrDecoder encode(Bitmap requested, int minor) {
        XdrEncoder e = new XdrEncoder(ByteBufAllocator.DEFAULT);
        new AttributeEncoder("/nix/store", 90, 1 << 20).write(e, requested, minor,
                new AttributeEncoder.Subject(new FileHandle(new byte[] {1, 2}), FILE, () -> new FsStats(10, 5, 4)));
        return new XdrDecoder((ByteBuf) e.finish().get(0));
    }

    @Test
    void encodesInAttributeOrderWithTheLength() {
        XdrDecoder d = encode(Bitmap.of(Fattr.SIZE, Fattr.TYPE, Fattr.MODE, Fattr.OWNER, Fattr.TIME_METADATA), 1);
        Bitmap returned = Bitmap.read(d);
        assertEquals(Bitmap.of(Fattr.SIZE, Fattr.TYPE, Fattr.MODE, Fattr.OWNER, Fattr.TIME_METADATA), returned);
        int length = d.readInt();
        assertEquals(d.remaining(), length);
        assertEquals(1, d.readInt(), "type first: NF4REG");
        assertEquals(77, d.readLong(), "then size");
        assertEquals(0555, d.readInt(), "then mode");
        assertEquals("0", d.readString(10), "owner as a numeric string");
        assertEquals(1_500_000_000L, d.readLong(), "ctime seconds");
        assertEquals(123, d.readInt(), "ctime nanoseconds");
    }

    @Test
    void unsupportedAttributesAreLeftOutOfTheReply() {
        XdrDecoder d = encode(Bitmap.of(Fattr.TYPE, 12 /* acl */, 62 /* fs_layout_type */, 200), 1);
        Bitmap returned = Bitmap.read(d);
        assertEquals(Bitmap.of(Fattr.TYPE), returned);
    }

    @Test
    void suppattrExclcreatOnlyFrom41() {
        assertFalse(Fattr.supported(0).isSet(Fattr.SUPPATTR_EXCLCREAT));
        assertTrue(Fattr.supported(1).isSet(Fattr.SUPPATTR_EXCLCREAT));
        assertEquals(Bitmap.empty(), Bitmap.read(encode(Bitmap.of(Fattr.SUPPATTR_EXCLCREAT), 0)));
    }

    @Test
    void everySupportedAttributeEncodes() {
        for (int minor = 0; minor <= 2; minor++) {
            XdrDecoder d = encode(Fattr.supported(minor), minor);
            assertEquals(Fattr.supported(minor), Bitmap.read(d));
            int length = d.readInt();
            assertEquals(length, d.remaining());
        }
    }
}
