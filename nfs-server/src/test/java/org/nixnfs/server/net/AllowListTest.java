package org.nixnfs.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllowListTest {
    private static boolean allows(AllowList a, String ip) {
        return a.allows(new InetSocketAddress(ip, 700));
    }

    @Test
    void defaultsAreLoopbackAndPrivateRanges() {
        AllowList a = AllowList.defaults();
        for (String ok : List.of("127.0.0.1", "127.0.0.2", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                "192.168.1.1", "169.254.1.1", "fd12:3456::1", "fe80::1")) {
            assertTrue(allows(a, ok), ok);
        }
        for (String no : List.of("8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1", "100.64.0.1")) {
            assertFalse(allows(a, no), no);
        }
    }

    @Test
    void ipv4AndIpv6BlocksAndSingleAddresses() {
        AllowList a = AllowList.of(List.of("127.0.0.1/32", "2001:db8::/32", "192.0.2.7"));
        assertTrue(allows(a, "127.0.0.1"));
        assertFalse(allows(a, "127.0.0.2"));
        assertTrue(allows(a, "2001:db8:ffff::1"));
        assertFalse(allows(a, "2001:db9::1"));
        assertTrue(allows(a, "192.0.2.7"));
        assertFalse(allows(a, "192.0.2.8"));
        assertTrue(allows(a, "::ffff:127.0.0.1"), "an IPv4-mapped address is the IPv4 address");
    }

    @Test
    void everyoneAllowsBothFamilies() {
        assertTrue(allows(AllowList.everyone(), "8.8.8.8"));
        assertTrue(allows(AllowList.everyone(), "2001:db8::1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0/8", "999.1.1.1/8", "nfs.example.com/24",
        "localhost", "10.0.0.0/x", ""})
    void badEntriesAreNamedAndNeverLookedUp(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AllowList.of(List.of(bad)));
        assertTrue(e.getMessage().contains(bad), e.getMessage());
    }

    @Test
    void anEmptyListIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> AllowList.of(List.of()));
    }

    @Test
    void printsAsGiven() {
        assertEquals("10.0.0.0/8 fd00::/8", AllowList.of(List.of("10.0.0.0/8", "fd00::/8")).toString());
    }
}
