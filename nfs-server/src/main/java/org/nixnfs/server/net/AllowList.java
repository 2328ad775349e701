package org.nixnfs.server.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The client networks that may connect (knfsd's client list in {@code /etc/exports}): CIDR
 * blocks, IPv4 and IPv6, matched with Netty's {@link IpSubnetFilterRule}.
 */
public final class AllowList {
    /**
     * Loopback and the private and link-local ranges (RFC 1918, RFC 4193, RFC 3927/4291): a
     * server on a LAN or in a cluster works without configuration, and one whose port is
     * exposed to the internet by mistake does not serve it.
     */
    public static final List<String> DEFAULT_CIDRS = List.of("127.0.0.0/8", "::1/128", "10.0.0.0/8",
            "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "fc00::/7", "fe80::/10");

    private final List<String> cidrs;
    private final List<IpSubnetFilterRule> rules;

    private AllowList(List<String> cidrs, List<IpSubnetFilterRule> rules) {
        this.cidrs = List.copyOf(cidrs);
        this.rules = List.copyOf(rules);
    }

    public static AllowList defaults() {
        return of(DEFAULT_CIDRS);
    }

    /** Every address, IPv4 and IPv6 ({@code 0.0.0.0/0 ::/0}). */
    public static AllowList everyone() {
        return of(List.of("0.0.0.0/0", "::/0"));
    }

    /**
     * @param cidrs blocks such as {@code 10.1.0.0/16}, {@code 2001:db8::/32}, or single addresses
     * @throws IllegalArgumentException naming the entry that is not a literal address with a valid prefix
     */
    public static AllowList of(List<String> cidrs) {
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("the allow-list is empty: no client could connect");
        }
        return new AllowList(cidrs, cidrs.stream().map(AllowList::rule).toList());
    }

    private static IpSubnetFilterRule rule(String cidr) {
        String text = cidr.strip();
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = literal(host, cidr);
        int max = address instanceof Inet4Address ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("not a CIDR block: " + cidr + " (the prefix length must be 0.." + max + ")");
            }
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    /** Parses a numeric address only: a host name here would mean a DNS lookup at start and a surprise later. */
    private static InetAddress literal(String host, String entry) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) {
            throw new IllegalArgumentException("not a CIDR block: " + entry + " (want e.g. 10.0.0.0/8 or fd00::/8)");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a CIDR block: " + entry, e);
        }
    }

    public boolean allows(InetSocketAddress remote) {
        for (IpSubnetFilterRule r : rules) {
            if (r.matches(remote)) {
                return true;
            }
        }
        return false;
    }

    public List<String> cidrs() {
        return cidrs;
    }

    @Override
    public String toString() {
        return String.join(" ", cidrs);
    }
}
