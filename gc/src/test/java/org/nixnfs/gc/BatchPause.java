package org.nixnfs.gc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.nixnfs.store.StorePath;

/**
 * A hook between GC batches: a {@code nix-store} that runs the real one, and after the first
 * {@code --delete} has finished, says which paths it deleted and waits until the test lets it
 * return. The test changes the world meanwhile (a use, a pin, an open, a re-registration), as an
 * executor or an operator would while a run is going on.
 */
final class BatchPause {
    private final Path dir;
    final String nixStore;

    BatchPause(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir.resolve("batch-pause"));
        Path script = this.dir.resolve("nix-store");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "nix-store \"$@\"; rc=$?",
                "case \"$*\" in *--delete*)",
                "  if [ ! -e " + this.dir.resolve("deleted") + " ]; then",
                "    echo \"$*\" > " + this.dir.resolve("deleted.tmp"),
                "    mv " + this.dir.resolve("deleted.tmp") + " " + this.dir.resolve("deleted"),
                "    while [ ! -e " + this.dir.resolve("go") + " ]; do sleep 0.05; done",
                "  fi;;",
                "esac",
                "exit $rc",
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.nixStore = script.toString();
    }

    /** Waits for the first batch to be deleted; returns its paths. Fails if the run ends before. */
    List<StorePath> awaitFirstBatch(Future<?> run) throws Exception {
        Path deleted = dir.resolve("deleted");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(deleted)) {
            if (run.isDone()) {
                run.get(); // its exception, if it failed
                throw new AssertionError("the run ended without deleting a batch");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no batch was deleted within 5 minutes");
            }
            Thread.sleep(20);
        }
        List<StorePath> paths = new ArrayList<>();
        for (String arg : Files.readString(deleted).strip().split(" ")) {
            if (arg.startsWith("/nix/store/")) {
                paths.add(StorePath.parseAbsolute("/nix/store", arg).orElseThrow());
            }
        }
        return paths;
    }

    /** Lets the paused nix-store return, and every later one run straight through. */
    void release() throws IOException {
        Files.createFile(dir.resolve("go"));
    }
}
