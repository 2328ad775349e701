package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectoryListingTest {
    @Test
    void positionalCookiesStartAfterTheReservedOnes() {
        DirectoryListing l = DirectoryListing.positional(List.of("a", "b", "c"));
        assertEquals(3, l.cookie(0));
        assertEquals(0, l.indexAfter(0));
        assertEquals(1, l.indexAfter(3));
        assertEquals(3, l.indexAfter(5));
    }

    @Test
    void hashCookiesResumeCorrectlyWhileEntriesComeAndGo() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            names.add("entry-" + i);
        }
        DirectoryListing before = DirectoryListing.byHashCookie(names, String::hashCode);
        long cookie = before.cookie(49);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i <= 49; i++) {
            seen.add(before.name(i));
        }
        // An entry not yet seen goes away, and a new one appears, between two READDIRs.
        names.remove(before.name(70));
        names.add("new-entry");
        DirectoryListing after = DirectoryListing.byHashCookie(names, String::hashCode);
        for (int i = after.indexAfter(cookie); i < after.size(); i++) {
            seen.add(after.name(i));
        }
        List<String> expected = new ArrayList<>(names);
        expected.sort(null);
        List<String> got = new ArrayList<>(seen);
        got.sort(null);
        if (!got.contains("new-entry")) {
            expected.remove("new-entry"); // it may sort before the cookie: then it is legitimately not seen
        }
        assertEquals(expected, got, "every remaining entry exactly once");
    }
}
