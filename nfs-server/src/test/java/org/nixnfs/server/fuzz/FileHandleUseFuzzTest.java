package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Using a forged file handle (PUTFH, then GETATTR, READ, READDIR, LOOKUPP on it) against the real
 * export must answer with an NFS status, never an internal error.
 */
class FileHandleUseFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void use(byte[] fh) throws Exception {
        InProcessExport export = InProcessExport.get();
        EmbeddedChannel ch = export.connect();
        try {
            ByteBuf call = Unpooled.buffer();
            call.writeInt(1).writeInt(0).writeInt(2).writeInt(100003).writeInt(4).writeInt(1)
                    .writeInt(0).writeInt(0).writeInt(0).writeInt(0)
                    .writeInt(0).writeInt(0).writeInt(5); // tag "", NFSv4.0, 5 operations
            int length = Math.min(fh.length, 128);
            call.writeInt(22).writeInt(length).writeBytes(fh, 0, length).writeZero((4 - (length & 3)) & 3); // PUTFH
            call.writeInt(9).writeInt(2).writeInt(0x0010011a).writeInt(0x00b0a23a); // GETATTR, many attributes
            call.writeInt(25).writeZero(16).writeLong(0).writeInt(4096); // READ 4 KiB, anonymous stateid
            call.writeInt(26).writeLong(0).writeZero(8).writeInt(4096).writeInt(8192).writeInt(1).writeInt(0x1a); // READDIR
            call.writeInt(16); // LOOKUPP
            byte[] body = new byte[call.readableBytes()];
            call.readBytes(body);
            export.feed(ch, Unpooled.buffer().writeInt(0x80000000 | body.length).writeBytes(body).array());
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
