package org.nixnfs.server.nfs4.state;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * An NFSv4.0 client's callback (RFC 7530 section 16.33): the program and callback_ident it gave
 * in SETCLIENTID, the address to call it on (already checked to be the client's own, or null when
 * it was not usable), the security to call with, and whether the path works: UNKNOWN until the
 * probe after SETCLIENTID_CONFIRM, UP while a connection answered, DOWN once a connection (or a
 * reconnect) failed. Delegations are granted only while it is UP.
 */
public final class ClientCallback {
    public enum Status { UNKNOWN, UP, DOWN }

    private final int program;
    private final int ident;
    private final InetSocketAddress target;
    private final Backchannel.Security security;
    private volatile Status status = Status.UNKNOWN;
    private volatile Channel connection;
    private volatile boolean closed;
    private volatile long connectedAtNanos;

    /** @param target null when the client gave no address the server may connect to */
    public ClientCallback(int program, int ident, InetSocketAddress target, Backchannel.Security security) {
        this.program = program;
        this.ident = ident;
        this.target = target;
        this.security = security;
        if (target == null) {
            status = Status.DOWN;
        }
    }

    public int program() {
        return program;
    }

    public int ident() {
        return ident;
    }

    public InetSocketAddress target() {
        return target;
    }

    public Backchannel.Security security() {
        return security;
    }

    public Status status() {
        return status;
    }

    /** Whether an OPEN may grant a delegation: the path was probed and works. */
    public boolean up() {
        return status == Status.UP;
    }

    /** The connection answered: calls go over it until it closes. */
    public synchronized void connected(Channel ch) {
        Channel old = connection;
        connection = ch;
        connectedAtNanos = System.nanoTime();
        status = Status.UP;
        if (old != null && old != ch) {
            old.close(); // two were made at once (a recall's and a reconnect): keep one
        }
        if (closed) {
            ch.close(); // replaced while connecting
            status = Status.DOWN;
        }
    }

    /** Connecting, calling or reconnecting failed: no delegations until it works again. */
    public void down() {
        status = Status.DOWN;
    }

    /** The client replaced or lost this callback: no more calls over it. */
    public void close() {
        closed = true;
        status = Status.DOWN;
        Channel ch = connection;
        if (ch != null) {
            ch.close();
        }
    }

    /** Whether {@link #close} was called: not worth reconnecting. */
    public boolean closed() {
        return closed;
    }

    /** When the latest connection was made (System.nanoTime). */
    public long connectedAtNanos() {
        return connectedAtNanos;
    }

    /** The live connection, or null. */
    public Channel connection() {
        Channel ch = connection;
        return ch != null && ch.isActive() ? ch : null;
    }
}
