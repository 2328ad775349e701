package org.nixnfs.server.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's rules on the event loop's own clock, moved by the test: stalled 4 s, replies 8 s,
 * idle 12 s, so a check every second. (A client that takes no replies needs a real socket, whose
 * buffers fill: it.ConnectionPolicyTest.)
 */
class ConnectionWatchdogTest {
    final AtomicBoolean partialRecord = new AtomicBoolean();
    final AtomicInteger callsInFlight = new AtomicInteger();
    final EmbeddedChannel ch = new EmbeddedChannel();

    ConnectionWatchdogTest() {
        ch.freezeTime();
        ch.pipeline().addLast(new ConnectionWatchdog(Duration.ofSeconds(4), Duration.ofSeconds(8),
                Duration.ofSeconds(12), partialRecord::get, callsInFlight::get));
    }

    /** Moves the clock by whole seconds, running the checks that fall due on the way. */
    void pass(int seconds) {
        for (int i = 0; i < seconds; i++) {
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    void read() {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        ch.releaseInbound();
    }

    @Test
    void aSilentConnectionIsClosedOnceTheIdleTimeoutHasPassed() {
        pass(11);
        assertTrue(ch.isOpen(), "11 s of 12");
        pass(2);
        assertFalse(ch.isOpen());
    }

    @Test
    void readsKeepAConnectionFromIdling() {
        for (int i = 0; i < 10; i++) {
            pass(5);
            read();
        }
        assertTrue(ch.isOpen(), "a read every 5 s for 50 s");
    }

    @Test
    void repliesKeepAConnectionFromIdling() {
        for (int i = 0; i < 10; i++) {
            pass(5);
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1}));
            ch.releaseOutbound();
        }
        assertTrue(ch.isOpen(), "a reply every 5 s for 50 s");
    }

    @Test
    void aConnectionWithACallInFlightIsNotIdle() {
        callsInFlight.set(1);
        pass(60);
        assertTrue(ch.isOpen());
        callsInFlight.set(0);
        pass(2);
        assertFalse(ch.isOpen(), "silent for 62 s, and now nothing in flight");
    }

    @Test
    void halfARecordAndThenSilenceIsClosedAfterTheStalledTimeout() {
        read();
        partialRecord.set(true);
        pass(3);
        assertTrue(ch.isOpen(), "3 s of 4");
        pass(2);
        assertFalse(ch.isOpen());
    }

    @Test
    void aRecordArrivingSlowlyIsNotStalled() {
        partialRecord.set(true);
        for (int i = 0; i < 10; i++) {
            pass(3);
            read();
        }
        assertTrue(ch.isOpen(), "a piece every 3 s for 30 s");
    }

    @Test
    void aConnectionWeStoppedReadingIsNeitherStalledNorIdle() {
        partialRecord.set(true);
        ch.config().setAutoRead(false); // back-pressure: our pause, not the client's
        pass(60);
        assertTrue(ch.isOpen());
    }
}
