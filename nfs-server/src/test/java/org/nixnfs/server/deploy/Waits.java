package org.nixnfs.server.deploy;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting for an event with a deadline: polls a condition, fails with what it waited for. */
final class Waits {
    private Waits() {
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Thread.sleep(250);
        }
    }
}
