package org.nixnfs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@code file://} cold tier is a binary cache from the start, empty or not. */
class ColdTierTest {
    @Test
    void prepareMakesAnEmptyFileTierACache(@TempDir Path dir) throws IOException {
        Path cold = dir.resolve("var/cold");
        ColdTier tier = new ColdTier(URI.create("file://" + cold), null, 0);
        tier.prepare("/nix/store");
        Path info = cold.resolve("nix-cache-info");
        assertEquals("StoreDir: /nix/store\n", Files.readString(info));
        // Readable by others: a web server may serve the tier.
        assertTrue(Files.getPosixFilePermissions(info).contains(PosixFilePermission.OTHERS_READ));
        try (var files = Files.list(cold)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void prepareKeepsWhatNixWrote(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
        new ColdTier(URI.create("file://" + dir + "?compression=xz"), null, 0).prepare("/nix/store");
        assertEquals("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n",
                Files.readString(dir.resolve("nix-cache-info")));
    }

    @Test
    void otherSchemesAreNixsToSetUp() throws IOException {
        ColdTier s3 = new ColdTier(URI.create("s3://bucket/cold?region=eu-west-1"), null, 0);
        assertNull(s3.directory());
        s3.prepare("/nix/store"); // nothing to do, nothing thrown
    }

    @Test
    void anUnwritableDirectoryIsAnError(@TempDir Path dir) {
        assertThrows(IOException.class,
                () -> new ColdTier(URI.create("file:///proc/nixnfs-cold"), null, 0).prepare("/nix/store"));
    }
}
