package org.nixnfs.server.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.SubstituteLogger;

/** A client sending malformed calls on every request gets one warning line per 10 s, on a clock the test moves. */
class ThrottledWarningsTest {
    private final Queue<SubstituteLoggingEvent> events = new ArrayDeque<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private final ThrottledWarnings warnings = new ThrottledWarnings(
            new EventRecordingLogger(new SubstituteLogger("RpcDispatcher", events, false), events), "malformed calls",
            now::get);

    @Test
    void oneLinePerIntervalSayingHowManyWereLeftOut() {
        warnings.warn("{}: xid {}: malformed RPC call header", "10.0.0.7:801", 1);
        for (int i = 2; i <= 1_000; i++) {
            warnings.warn("{}: xid {}: malformed RPC call header", "10.0.0.7:801", i);
        }
        assertEquals(1, events.size(), "1,000 malformed calls at once");
        SubstituteLoggingEvent first = events.remove();
        assertEquals(Level.WARN, first.getLevel());
        assertEquals("10.0.0.7:801: xid 1: malformed RPC call header", first.getMessage());

        now.addAndGet(ThrottledWarnings.INTERVAL_NANOS - 1);
        warnings.warn("{}: xid {}: malformed RPC call header", "10.0.0.7:801", 1_001);
        assertEquals(0, events.size(), "not yet 10 s later");
        now.addAndGet(1);
        warnings.warn("{}: xid {}: malformed RPC call header", "10.0.0.7:801", 1_002);
        assertEquals("10.0.0.7:801: xid 1002: malformed RPC call header (and 1000 more malformed calls since the"
                + " last such line)", events.remove().getMessage());
        now.addAndGet(ThrottledWarnings.INTERVAL_NANOS);
        warnings.warn("{}: not a call", "10.0.0.8:802");
        assertEquals("10.0.0.8:802: not a call", events.remove().getMessage(), "none left out since");
    }
}
