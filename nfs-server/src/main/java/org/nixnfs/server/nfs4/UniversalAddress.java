package org.nixnfs.server.nfs4;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The callback address an NFSv4.0 client gives in SETCLIENTID (RFC 7530 section 16.33: r_netid
 * and r_addr, a universal address as RFC 5665 section 5.2.3 defines it: "h1.h2.h3.h4.p1.p2" for
 * tcp, an IPv6 address followed by ".p1.p2" for tcp6), and the check that keeps a client from
 * making the server connect anywhere but back to itself: the address must be the very IP the
 * client's own NFS connection comes from. Nothing here resolves a name.
 */
public final class UniversalAddress {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final int MAX_LENGTH = 64;

    private UniversalAddress() {
    }

    /** A callback address that cannot be used; the message says why, for the log. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    /** Parses a tcp or tcp6 universal address; anything else (udp, rdma, names, junk) is {@link Invalid}. */
    public static InetSocketAddress parse(String netid, String uaddr) throws Invalid {
        if (uaddr == null || uaddr.length() > MAX_LENGTH) {
            throw new Invalid("no usable callback address");
        }
        boolean v6 = "tcp6".equals(netid);
        if (!v6 && !"tcp".equals(netid)) {
            throw new Invalid("callback netid " + printable(netid) + " is not tcp or tcp6");
        }
        int lastDot = uaddr.lastIndexOf('.');
        int portDot = lastDot <= 0 ? -1 : uaddr.lastIndexOf('.', lastDot - 1);
        if (portDot <= 0) {
            throw new Invalid("callback address " + printable(uaddr) + " has no port");
        }
        int port = (octet(uaddr.substring(portDot + 1, lastDot), uaddr) << 8) | octet(uaddr.substring(lastDot + 1), uaddr);
        if (port == 0) {
            throw new Invalid("callback address " + printable(uaddr) + " has port 0");
        }
        String host = uaddr.substring(0, portDot);
        if (!(v6 ? IPV6.matcher(host).matches() && host.contains(":") : IPV4.matcher(host).matches())) {
            throw new Invalid("callback address " + printable(uaddr) + " is not a " + netid + " address");
        }
        InetAddress ip;
        try {
            if (v6) {
                ip = InetAddress.getByName(host); // contains ':', so parsed as an IPv6 literal, never looked up
            } else {
                String[] parts = host.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    b[i] = (byte) octet(parts[i], uaddr);
                }
                ip = InetAddress.getByAddress(b);
            }
        } catch (UnknownHostException e) {
            throw new Invalid("callback address " + printable(uaddr) + " is not an IP address");
        }
        return new InetSocketAddress(ip, port);
    }

    /**
     * The client's callback address, if it is on the host the client connects from
     * ({@code clientIp}, its NFS connection's remote address); otherwise {@link Invalid}: the
     * server connects nowhere a client merely names.
     */
    public static InetSocketAddress checked(String netid, String uaddr, InetAddress clientIp) throws Invalid {
        InetSocketAddress target = parse(netid, uaddr);
        if (clientIp == null || !sameHost(target.getAddress(), clientIp)) {
            throw new Invalid("callback address " + printable(uaddr) + " is not the client's own address "
                    + (clientIp == null ? "(unknown)" : clientIp.getHostAddress()));
        }
        return target;
    }

    /** Equal addresses, an IPv4-mapped IPv6 address counting as its IPv4 one. */
    static boolean sameHost(InetAddress a, InetAddress b) {
        return unmapped(a).equals(unmapped(b));
    }

    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e); // four bytes are always an address
                }
            }
        }
        return a;
    }

    private static int octet(String s, String uaddr) throws Invalid {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Invalid("callback address " + printable(uaddr) + " is malformed");
        }
        int v = Integer.parseInt(s);
        if (v > 255) {
            throw new Invalid("callback address " + printable(uaddr) + " is malformed");
        }
        return v;
    }

    /** For the log: a hostile string stays one short printable line. */
    private static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > MAX_LENGTH ? s.substring(0, MAX_LENGTH) + "..." : s;
        return "'" + t.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }
}
