package org.nixnfs.server.nfs4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** SETCLIENTID's callback addresses: what parses, and that only the client's own IP is ever used. */
class UniversalAddressTest {
    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void parsesTcpAndTcp6() throws Exception {
        assertEquals(new InetSocketAddress(ip("192.168.1.20"), 0x0801), UniversalAddress.parse("tcp", "192.168.1.20.8.1"));
        assertEquals(new InetSocketAddress(ip("127.0.0.1"), 65535), UniversalAddress.parse("tcp", "127.0.0.1.255.255"));
        assertEquals(new InetSocketAddress(ip("::1"), 2049), UniversalAddress.parse("tcp6", "::1.8.1"));
        assertEquals(new InetSocketAddress(ip("fe80::1:2"), 256), UniversalAddress.parse("tcp6", "fe80::1:2.1.0"));
    }

    @Test
    void malformedOrUnsupportedIsInvalid() {
        for (String[] bad : new String[][] {
            {"tcp", null}, {"tcp", ""}, {"tcp", "127.0.0.1"}, {"tcp", "127.0.0.1.8"}, {"tcp", "127.0.0.1.0.0"},
            {"tcp", "127.0.0.1.256.1"}, {"tcp", "127.0.0.1.1.-1"}, {"tcp", "127.0.0.1.1.1a"}, {"tcp", "127.0.0.1..1"},
            {"tcp", "256.0.0.1.8.1"}, {"tcp", "1.2.3.8.1"}, {"tcp", "1.2.3.4.5.8.1"}, {"tcp", "localhost.8.1"},
            {"tcp", "example.com.8.1"}, {"tcp", "::1.8.1"}, {"tcp", "127.0.0.1.\u0661.1"}, {"tcp", ".8.1"},
            {"tcp6", "127.0.0.1.8.1"}, {"tcp6", "::g.8.1"}, {"tcp6", "fe80::1%eth0.8.1"}, {"tcp6", ":::::::::::1.8.1"},
            {"udp", "127.0.0.1.8.1"}, {"rdma", "127.0.0.1.8.1"}, {null, "127.0.0.1.8.1"},
            {"tcp", "1".repeat(200) + ".8.1"},
        }) {
            assertThrows(UniversalAddress.Invalid.class, () -> UniversalAddress.parse(bad[0], bad[1]),
                    () -> bad[0] + " " + bad[1]);
        }
    }

    @Test
    void onlyTheClientsOwnAddress() throws Exception {
        InetAddress client = ip("10.0.0.7");
        assertEquals(new InetSocketAddress(client, 40000), UniversalAddress.checked("tcp", "10.0.0.7.156.64", client));
        for (String other : new String[] {"10.0.0.8.156.64", "127.0.0.1.156.64", "0.0.0.0.156.64",
            "255.255.255.255.156.64", "169.254.169.254.0.80"}) {
            assertThrows(UniversalAddress.Invalid.class, () -> UniversalAddress.checked("tcp", other, client), other);
        }
        assertThrows(UniversalAddress.Invalid.class, () -> UniversalAddress.checked("tcp6", "::1.8.1", client));
        assertThrows(UniversalAddress.Invalid.class, () -> UniversalAddress.checked("tcp", "10.0.0.7.8.1", null));
        // A client on an IPv4-mapped IPv6 connection may name its IPv4 address, and the other way round.
        assertEquals(new InetSocketAddress(client, 2049),
                UniversalAddress.checked("tcp", "10.0.0.7.8.1", ip("::ffff:10.0.0.7")));
        assertEquals(2049, UniversalAddress.checked("tcp6", "::ffff:10.0.0.7.8.1", client).getPort());
        InetAddress v6 = ip("2001:db8::5");
        assertEquals(2049, UniversalAddress.checked("tcp6", "2001:db8:0:0::5.8.1", v6).getPort());
        assertThrows(UniversalAddress.Invalid.class, () -> UniversalAddress.checked("tcp6", "2001:db8::6.8.1", v6));
    }
}
