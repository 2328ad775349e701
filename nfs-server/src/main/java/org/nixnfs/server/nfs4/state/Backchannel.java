package org.nixnfs.server.nfs4.state;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session's backchannel (RFC 8881 section 2.10.3.1): the callback program and security the
 * client gave (CREATE_SESSION, BACKCHANNEL_CTL), its limits (CREATE_SESSION's back-channel
 * attributes), the connections bound to it (CREATE_SESSION with CONN_BACK_CHAN,
 * BIND_CONN_TO_SESSION), and its slots: as many as the client's ca_maxrequests allows (Linux
 * offers one), each with its own sequence id; a call takes a free slot or waits for one.
 */
public final class Backchannel {
    /** The credential callbacks carry: AUTH_NONE, or AUTH_SYS with the body the client chose. */
    public record Security(int flavor, byte[] body) {
    }

    /** A slot taken for one call, and the sequence id that call carries on it. */
    public record Slot(int id, int sequenceId, int highestSlotId) {
    }

    /** More concurrent callbacks than this per session would not make recalls noticeably faster. */
    static final int MAX_SLOTS = 16;
    /** What we assume until the client says: one slot, CB_SEQUENCE and one more operation (Linux's). */
    static final ChannelAttributes DEFAULT_LIMITS = new ChannelAttributes(0, 4096, 4096, 0, 2, 1);

    private volatile int program;
    private volatile Security security;
    private volatile boolean everBound;
    /** A call found the path broken (no reply in time); SEQUENCE says so until a connection is bound again. */
    private volatile boolean down;
    private volatile long downSinceNanos;
    private volatile ChannelAttributes limits = DEFAULT_LIMITS;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    /** Per slot, the sequence id of the last call the client saw on it. */
    private int[] sequenceIds = new int[1];
    private final Deque<Integer> freeSlots = new ArrayDeque<>(List.of(0));
    private final Deque<CompletableFuture<Slot>> waiting = new ArrayDeque<>();

    /** Sets the callback program and security; a null security (only RPCSEC_GSS offered) makes it unusable. */
    public void configure(int program, Security security) {
        this.program = program;
        this.security = security;
    }

    /** The client's back-channel attributes (CREATE_SESSION, before any call): how many slots, how large a call. */
    public synchronized void limits(ChannelAttributes back) {
        limits = back;
        int slots = Math.max(1, Math.min(MAX_SLOTS, back.maxRequests() < 0 ? MAX_SLOTS : back.maxRequests()));
        sequenceIds = new int[slots];
        freeSlots.clear();
        for (int i = 0; i < slots; i++) {
            freeSlots.add(i);
        }
    }

    public ChannelAttributes limits() {
        return limits;
    }

    public int program() {
        return program;
    }

    public Security security() {
        return security;
    }

    /** Binds a connection to the backchannel, until it closes; the path is up again. */
    public void bind(Channel ch) {
        everBound = true;
        down = false;
        if (connections.add(ch)) {
            ch.closeFuture().addListener(f -> connections.remove(ch));
        }
    }

    /** A call got no reply in time: tell the client (SEQUENCE) until it binds a connection again. */
    public void markDown() {
        downSinceNanos = System.nanoTime();
        down = true;
    }

    /**
     * Whether a call asked for at {@code requestedNanos} (System.nanoTime) should not be sent:
     * a call after it went unanswered, and no connection was bound since. Calls that queued for
     * the slot behind an unanswered one fail at once instead of each waiting for its timeout;
     * a call asked for later is sent, and tries the path again.
     */
    public boolean downSince(long requestedNanos) {
        return down && requestedNanos - downSinceNanos < 0;
    }

    /** Whether the client ever bound a connection for callbacks (so a lost one is worth telling it about). */
    public boolean requested() {
        return security != null && everBound;
    }

    /** Whether the client should bind a connection again: none is left, or calls on it go unanswered. */
    public boolean pathDown() {
        return requested() && (down || connection() == null);
    }

    /** A live connection to call the client on, or null. */
    public Channel connection() {
        for (Channel ch : connections) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Whether callbacks can be sent now: a connection is bound and the security is one we speak. */
    public boolean usable() {
        return security != null && connection() != null;
    }

    /** A free slot, now or once a call in progress releases one; its next sequence id is taken. */
    public synchronized CompletableFuture<Slot> acquireSlot() {
        CompletableFuture<Slot> f = new CompletableFuture<>();
        Integer free = freeSlots.poll();
        if (free != null) {
            f.complete(slot(free));
        } else {
            waiting.add(f);
        }
        return f;
    }

    private Slot slot(int id) {
        return new Slot(id, sequenceIds[id] + 1, sequenceIds.length - 1);
    }

    /**
     * The call on {@code slot} is over. If the client answered it ({@code seen}), the slot's
     * sequence id advances; if not, the next call on the slot uses the same one again. A call
     * waiting for a slot gets it (and starts outside this lock).
     */
    public void releaseSlot(Slot slot, boolean seen) {
        while (true) {
            CompletableFuture<Slot> next;
            Slot handed;
            synchronized (this) {
                if (slot.id() >= sequenceIds.length) {
                    return; // limits changed meanwhile: that slot is gone
                }
                if (seen && sequenceIds[slot.id()] + 1 == slot.sequenceId()) {
                    sequenceIds[slot.id()] = slot.sequenceId();
                }
                seen = false;
                next = waiting.poll();
                if (next == null) {
                    freeSlots.add(slot.id());
                    return;
                }
                handed = slot(slot.id());
            }
            if (next.complete(handed)) {
                return;
            }
            slot = handed; // that waiter gave up: offer the slot to the next one
        }
    }
}
