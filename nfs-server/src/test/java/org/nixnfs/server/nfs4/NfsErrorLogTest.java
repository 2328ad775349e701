package org.nixnfs.server.nfs4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.rpc.ThrottledWarnings;
import org.nixnfs.server.status.NfsException;
import org.nixnfs.server.status.NfsStatus;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.SubstituteLogger;

/**
 * Which NFS errors an operator sees, and at which level. slf4j's own recording logger takes every
 * level, so the debug lines are seen too, whatever level the tests' backend is set to.
 */
class NfsErrorLogTest {
    private final Queue<SubstituteLoggingEvent> events = new ArrayDeque<>();
    private final EventRecordingLogger recorder =
            new EventRecordingLogger(new SubstituteLogger("NfsErrorLog", events, false), events);

    private final AtomicLong now = new AtomicLong();
    private final ThrottledWarnings faults = new ThrottledWarnings(recorder, "server faults", now::get);

    /** The line one error gives, 10 s after the one before (so never held back by the throttle). */
    private SubstituteLoggingEvent logged(int opcode, NfsException e) {
        events.clear();
        now.addAndGet(ThrottledWarnings.INTERVAL_NANOS);
        NfsErrorLog.failed(faults, recorder, "10.0.0.7:801", opcode, e);
        assertTrue(events.size() <= 1, "one line at most per error");
        return events.poll();
    }

    @Test
    void aFailedDiskReadIsAWarningWithItsCause() {
        IOException cause = new IOException("Input/output error");
        SubstituteLoggingEvent line = logged(OpCode.READ,
                new NfsException(NfsStatus.NFS4ERR_IO, "reading /nix/store/x-a/file", cause));
        assertEquals(Level.WARN, line.getLevel());
        assertSame(cause, line.getThrowable(), "the cause, with its stack trace");
        assertEquals("10.0.0.7:801 READ: NFS4ERR_IO: reading /nix/store/x-a/file", format(line));
    }

    @Test
    void anyErrorWithACauseOrAServerFaultIsAWarning() {
        assertEquals(Level.WARN, logged(OpCode.GETATTR,
                new NfsException(NfsStatus.NFS4ERR_STALE, "gone", new IOException("EIO"))).getLevel());
        assertEquals(Level.WARN, logged(OpCode.READ, new NfsException(NfsStatus.NFS4ERR_IO)).getLevel());
        assertEquals(Level.WARN, logged(OpCode.READ, new NfsException(NfsStatus.NFS4ERR_SERVERFAULT)).getLevel());
    }

    @Test
    void aDiskFailingOnEveryReadIsOneLinePer10SecondsWithTheCountLeftOut() {
        IOException cause = new IOException("Input/output error");
        logged(OpCode.READ, new NfsException(NfsStatus.NFS4ERR_IO, "reading /nix/store/x-a/file", cause));
        events.clear();
        for (int i = 0; i < 1_000; i++) {
            NfsErrorLog.failed(faults, recorder, "10.0.0.7:801", OpCode.READ,
                    new NfsException(NfsStatus.NFS4ERR_IO, "reading /nix/store/x-a/file", cause));
        }
        assertEquals(0, events.size(), "1,000 more failed READs within the same 10 s");
        SubstituteLoggingEvent next = logged(OpCode.READ,
                new NfsException(NfsStatus.NFS4ERR_IO, "reading /nix/store/x-a/file", cause));
        assertEquals("10.0.0.7:801 READ: NFS4ERR_IO: reading /nix/store/x-a/file (and 1000 more server faults since"
                + " the last such line)", next.getMessage());
        assertSame(cause, next.getThrowable(), "still with its cause");
    }

    @Test
    void aClientSearchingAPathIsNotLogged() {
        assertNull(logged(OpCode.LOOKUP, new NfsException(NfsStatus.NFS4ERR_NOENT)));
        assertNull(logged(OpCode.OPEN, new NfsException(NfsStatus.NFS4ERR_NOENT)), "Linux opens unlooked-up names");
        assertEquals(NfsErrorLog.Kind.SEARCH, NfsErrorLog.kindOf(OpCode.LOOKUP, new NfsException(NfsStatus.NFS4ERR_NOENT)));
    }

    @Test
    void aRefusedRequestIsADebugLine() {
        SubstituteLoggingEvent line = logged(OpCode.PUTFH, new NfsException(NfsStatus.NFS4ERR_STALE, "forged handle"));
        assertEquals(Level.DEBUG, line.getLevel());
        assertNull(line.getThrowable());
        assertEquals("10.0.0.7:801 PUTFH: NFS4ERR_STALE (forged handle)", format(line));
        assertEquals(Level.DEBUG, logged(OpCode.WRITE, new NfsException(NfsStatus.NFS4ERR_ROFS)).getLevel());
        assertEquals(Level.DEBUG, logged(OpCode.GETATTR, new NfsException(NfsStatus.NFS4ERR_NOENT)).getLevel(),
                "NOENT is a search only on LOOKUP and OPEN");
        assertEquals(Level.DEBUG, logged(OpCode.LOOKUP,
                new NfsException(NfsStatus.NFS4ERR_BADXDR, "undecodable arguments: truncated")).getLevel());
    }

    /**
     * A client can make the server answer any status but IO and SERVERFAULT at will, on every
     * request: none of them may reach the log at the default level (INFO), or a hostile client
     * floods it.
     */
    @Test
    void noStatusAClientCanCauseIsLoggedAboveDebug() throws Exception {
        int statuses = 0;
        for (Field f : NfsStatus.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class) {
                continue;
            }
            int status = f.getInt(null);
            if (status == NfsStatus.NFS4_OK || status == NfsStatus.NFS4ERR_IO || status == NfsStatus.NFS4ERR_SERVERFAULT) {
                continue;
            }
            statuses++;
            for (int opcode = OpCode.ACCESS; opcode <= OpCode.highestFor(2); opcode++) {
                SubstituteLoggingEvent line = logged(opcode, new NfsException(status, "asked for it"));
                assertTrue(line == null || line.getLevel() == Level.DEBUG,
                        f.getName() + " on " + OpCode.name(opcode) + " logged at " + (line == null ? null : line.getLevel()));
            }
        }
        assertTrue(statuses > 40, "every status was tried: " + statuses);
    }

    private static String format(SubstituteLoggingEvent e) {
        return MessageFormatter.basicArrayFormat(e.getMessage(), e.getArgumentArray());
    }
}
