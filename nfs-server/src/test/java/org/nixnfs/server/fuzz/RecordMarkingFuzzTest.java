package org.nixnfs.server.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * ONC RPC record marking over TCP from untrusted bytes (fragments, lengths, the last-fragment
 * bit), in front of the real NFSv4 program over the test store. Every fuzz target is a class of
 * its own, so that fuzz/run can fuzz them all in one Maven run (one JVM per class).
 */
class RecordMarkingFuzzTest {
    /** Raw bytes on a connection, record marks and all. */
    @FuzzTest(maxDuration = "5s")
    void recordMarking(byte[] bytes) throws Exception {
        InProcessExport export = InProcessExport.get();
        EmbeddedChannel ch = export.connect();
        try {
            export.feed(ch, bytes);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
