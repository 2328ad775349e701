package org.nixnfs.server.vfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;

class FileHandlesTest {
    private static final String HASH = "s515py2mag63jj01zcjbda233wyvx3r8";

    @Test
    void handlesAreDeterministicAndFitNfs4Limits() throws NfsException {
        FileHandles a = new FileHandles("/nix/store");
        FileHandles b = new FileHandles("/nix/store");
        FileHandle h = a.storeObject(HASH, "share/blob.bin");
        assertEquals(h, b.storeObject(HASH, "share/blob.bin"), "same file, same handle on another instance");
        assertTrue(h.bytes().length <= FileHandle.MAX_SIZE);
        FileHandles.StoreObject parsed = assertInstanceOf(FileHandles.StoreObject.class, b.parse(h.bytes()));
        assertEquals(HASH, parsed.hashPart());
        assertArrayEquals(FileHandles.objectId(HASH, "share/blob.bin"), parsed.objectId());
        assertNotEquals(h, a.storeObject(HASH, "share"));
        assertInstanceOf(FileHandles.Pseudo.class, b.parse(a.pseudo(1).bytes()));
        assertInstanceOf(FileHandles.ExportRoot.class, b.parse(a.exportRoot().bytes()));
    }

    @Test
    void malformedHandlesAreBadAndOtherExportsStale() {
        FileHandles fh = new FileHandles("/nix/store");
        byte[] good = fh.storeObject(HASH, "").bytes();
        assertEquals(10001, status(() -> fh.parse(new byte[] {1, 2, 3})));
        byte[] badHash = good.clone();
        badHash[8] = 'e'; // not in Nix's base-32 alphabet
        assertEquals(10001, status(() -> fh.parse(badHash)));
        byte[] wrongLength = Arrays.copyOf(good, good.length + 1);
        assertEquals(10001, status(() -> fh.parse(wrongLength)));
        assertEquals(70, status(() -> new FileHandles("/other").parse(good)), "a handle of another export is stale");
    }

    @Test
    void fileIdsAvoidThePseudoRange() {
        assertTrue(FileHandles.fileId(HASH, FileHandles.objectId(HASH, "x")) > 1000);
        assertTrue(FileHandles.fileId(HASH, FileHandles.objectId(HASH, "")) > 1000);
        assertNotEquals(FileHandles.fileId(HASH, FileHandles.objectId(HASH, "")),
                FileHandles.fileId("0" + HASH.substring(1), FileHandles.objectId("0" + HASH.substring(1), "")));
    }

    interface Call {
        void run() throws NfsException;
    }

    private static int status(Call c) {
        return assertThrows(NfsException.class, c::run).status();
    }
}
