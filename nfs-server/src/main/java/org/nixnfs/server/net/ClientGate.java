package org.nixnfs.server.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.nixnfs.server.rpc.ThrottledWarnings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in the listening channel's pipeline, ahead of Netty's acceptor, and decides for each
 * accepted connection, before it is registered with an event loop (so before a byte of it can be
 * read), whether it may go on:
 * its address must be in the allow-list, its source port privileged if that is required, and its
 * address must not hold too many connections already. A refused connection is closed at once,
 * counted by reason, and logged at most once per {@link ThrottledWarnings#INTERVAL_NANOS} (a scan
 * or a connection flood must not flood the log as well).
 */
@ChannelHandler.Sharable
public final class ClientGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientGate.class);

    /** Why a connection was refused; the metric's {@code reason} tag. */
    public enum Refusal {
        NOT_ALLOWED("not_allowed", "its address is not in --allow"),
        UNPRIVILEGED_PORT("unprivileged_port", "its source port is not below 1024 (--require-privileged-port)"),
        TOO_MANY_CONNECTIONS("too_many_connections", "its address holds --max-connections-per-client connections already");

        public final String tag;
        final String why;

        Refusal(String tag, String why) {
            this.tag = tag;
            this.why = why;
        }
    }

    private final AllowList allow;
    private final boolean requirePrivilegedPort;
    private final int maxPerAddress;
    private final ThrottledWarnings refusals;
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<Refusal, AtomicLong> refused = new EnumMap<>(Refusal.class);

    public ClientGate(AllowList allow, boolean requirePrivilegedPort, int maxPerAddress) {
        this(allow, requirePrivilegedPort, maxPerAddress, System::nanoTime);
    }

    ClientGate(AllowList allow, boolean requirePrivilegedPort, int maxPerAddress, LongSupplier nanoTime) {
        this.allow = allow;
        this.requirePrivilegedPort = requirePrivilegedPort;
        this.maxPerAddress = maxPerAddress;
        this.refusals = new ThrottledWarnings(log, "refusals", nanoTime);
        for (Refusal r : Refusal.values()) {
            refused.put(r, new AtomicLong());
        }
    }

    /** An accepted connection passes on to the acceptor, or is closed here. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (admit(child)) {
            ctx.fireChannelRead(child);
        }
    }

    /**
     * Admits a newly accepted connection, or closes it at once: it is not registered with a
     * selector yet, so its socket is closed now rather than at the event loop's next wake-up.
     */
    boolean admit(Channel ch) {
        InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
        Refusal refusal = check(remote);
        if (refusal == null) {
            boolean[] counted = new boolean[1];
            perAddress.compute(remote.getAddress(), (a, n) -> {
                int open = n == null ? 0 : n;
                counted[0] = open < maxPerAddress;
                return counted[0] ? open + 1 : n;
            });
            if (counted[0]) {
                ch.closeFuture().addListener(f -> release(remote.getAddress()));
                return true;
            }
            refusal = Refusal.TOO_MANY_CONNECTIONS;
        }
        refused.get(refusal).incrementAndGet();
        logRefusal(remote, refusal);
        ch.unsafe().closeForcibly();
        return false;
    }

    private Refusal check(InetSocketAddress remote) {
        if (remote == null || !allow.allows(remote)) {
            return Refusal.NOT_ALLOWED;
        }
        if (requirePrivilegedPort && remote.getPort() >= 1024) {
            return Refusal.UNPRIVILEGED_PORT;
        }
        return null;
    }

    private void release(InetAddress address) {
        perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    private void logRefusal(InetSocketAddress remote, Refusal refusal) {
        refusals.warn("refused a connection from {}: {}", remote, refusal.why);
    }

    /** Connections refused so far for this reason. */
    public long refused(Refusal reason) {
        return refused.get(reason).get();
    }

    /** Connections now open from this address. */
    public int connectionsFrom(InetAddress address) {
        return perAddress.getOrDefault(address, 0);
    }

    public AllowList allowList() {
        return allow;
    }
}
