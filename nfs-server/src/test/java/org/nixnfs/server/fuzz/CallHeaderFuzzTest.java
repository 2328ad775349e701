package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;

/** The RPC call header (RPC version, program, procedure, credentials) and what follows, in one well-framed record. */
class CallHeaderFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void callHeader(byte[] record) throws Exception {
        InProcessExport export = InProcessExport.get();
        EmbeddedChannel ch = export.connect();
        try {
            byte[] framed = ByteBuffer.allocate(4 + record.length).putInt(0x80000000 | record.length).put(record).array();
            export.feed(ch, framed);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
