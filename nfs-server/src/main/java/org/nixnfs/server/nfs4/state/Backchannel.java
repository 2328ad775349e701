package org.nixnfs.server.nfs4.state;

import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A session's backchannel (RFC 8881 section 2.10.3.1): the callback program and security the
 * client gave (CREATE_SESSION, BACKCHANNEL_CTL), the connections bound to it (CREATE_SESSION with
 * CONN_BACK_CHAN, BIND_CONN_TO_SESSION), and its one slot. We use slot 0 only (Linux offers one):
 * calls go one at a time, each with the next sequence id.
 */
public final class Backchannel {
    /** The credential callbacks carry: AUTH_NONE, or AUTH_SYS with the body the client chose. */
    public record Security(int flavor, byte[] body) {
    }

    private volatile int program;
    private volatile Security security;
    private volatile boolean everBound;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private int sequenceId;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    /** Sets the callback program and security; a null security (only RPCSEC_GSS offered) makes it unusable. */
    public void configure(int program, Security security) {
        this.program = program;
        this.security = security;
    }

    public int program() {
        return program;
    }

    public Security security() {
        return security;
    }

    /** Binds a connection to the backchannel, until it closes. */
    public void bind(Channel ch) {
        everBound = true;
        if (connections.add(ch)) {
            ch.closeFuture().addListener(f -> connections.remove(ch));
        }
    }

    /** Whether the client ever bound a connection for callbacks (so a lost one is worth telling it about). */
    public boolean requested() {
        return security != null && everBound;
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

    /** The sequence id of the next call on slot 0 (starting at 1). */
    public synchronized int nextSequenceId() {
        return ++sequenceId;
    }

    /** The client did not see a call (no reply): its sequence id is used again by the next one. */
    public synchronized void unusedSequenceId(int id) {
        if (sequenceId == id) {
            sequenceId--;
        }
    }

    /** Runs {@code call} once every call queued before it has finished: one call at a time on the slot. */
    public synchronized <T> CompletableFuture<T> enqueue(Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> next = tail.handle((r, e) -> null).thenCompose(ignored -> call.get());
        tail = next;
        return next;
    }
}
