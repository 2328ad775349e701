package org.nixnfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StorePathTest {
    private static final StorePath HELLO = new StorePath("0123456789abcdfghijklmnpqrsvwxyz", "hello-2.12");

    @Test
    void fullPathIsUnderTheStoreDirectory() {
        assertEquals("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12", HELLO.fullPath());
    }

    @Test
    void parsesABaseNameOrAFullPath() {
        assertEquals(Optional.of(HELLO), StorePath.parse(HELLO.baseName()));
        assertEquals(Optional.of(HELLO), StorePath.parse(HELLO.fullPath()));
        assertEquals(Optional.of(HELLO), StorePath.parse("nix/store/" + HELLO.baseName()), "after a URL prefix");
    }

    @Test
    void refusesAnythingElse() {
        assertTrue(StorePath.parse("/srv/store/" + HELLO.baseName()).isEmpty());
        assertTrue(StorePath.parse(HELLO.fullPath() + "/bin/hello").isEmpty());
        assertTrue(StorePath.parse("/nix/store/").isEmpty());
        assertTrue(StorePath.parse("../etc/passwd").isEmpty());
        assertTrue(StorePath.parse(null).isEmpty());
    }

    @Test
    void stripsOnlyTheStoreDirectory() {
        assertEquals(HELLO.baseName(), StorePath.stripStoreDir(HELLO.fullPath()));
        assertEquals("/srv/x", StorePath.stripStoreDir("/srv/x"));
        assertEquals("x", StorePath.stripStoreDir("x"));
    }
}
