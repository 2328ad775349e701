package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A backchannel's slots: as many as the client's ca_maxrequests (at most 16), a call waits for a
 * free one, a slot's sequence id advances only when the client saw the call; and its path is
 * "down" from an unanswered call until a connection is bound again.
 */
class BackchannelSlotsTest {
    @Test
    void asManySlotsAsTheClientOffersEachWithItsOwnSequence() {
        Backchannel b = new Backchannel();
        b.limits(new ChannelAttributes(0, 4096, 4096, 0, 2, 2));
        Backchannel.Slot first = b.acquireSlot().join();
        Backchannel.Slot second = b.acquireSlot().join();
        assertEquals(0, first.id());
        assertEquals(1, second.id());
        assertEquals(1, first.sequenceId());
        assertEquals(1, second.highestSlotId());
        CompletableFuture<Backchannel.Slot> third = b.acquireSlot();
        assertFalse(third.isDone(), "both slots busy");
        b.releaseSlot(first, true);
        assertEquals(new Backchannel.Slot(0, 2, 1), third.join(), "slot 0, next sequence id");
        b.releaseSlot(third.join(), false); // no reply: the client may not have seen it
        assertEquals(new Backchannel.Slot(0, 2, 1), b.acquireSlot().join(), "the same sequence id again");
    }

    @Test
    void oneSlotUntilTheClientSaysAndNoMoreThanSixteen() {
        Backchannel b = new Backchannel();
        b.acquireSlot().join();
        assertFalse(b.acquireSlot().isDone());
        Backchannel many = new Backchannel();
        many.limits(new ChannelAttributes(0, 4096, 4096, 0, 2, 1000));
        for (int i = 0; i < Backchannel.MAX_SLOTS; i++) {
            assertTrue(many.acquireSlot().isDone());
        }
        assertFalse(many.acquireSlot().isDone());
    }

    @Test
    void anUnansweredCallMarksThePathDownUntilAConnectionIsBound() {
        Backchannel b = new Backchannel();
        b.configure(1, new Backchannel.Security(0, new byte[0]));
        b.bind(new EmbeddedChannel());
        assertFalse(b.pathDown());
        long queuedBefore = System.nanoTime();
        b.markDown();
        assertTrue(b.pathDown());
        assertTrue(b.downSince(queuedBefore), "calls queued behind the unanswered one are not sent");
        assertFalse(b.downSince(System.nanoTime()), "a later one tries the path again");
        b.bind(new EmbeddedChannel());
        assertFalse(b.pathDown());
        assertFalse(b.downSince(queuedBefore));
    }
}
