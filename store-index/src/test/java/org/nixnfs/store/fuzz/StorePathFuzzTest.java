package org.nixnfs.store.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import org.nixnfs.store.StorePath;

/** Store path names come from the Nix database and from the admin API's pin requests: they parse exactly or not at all. */
class StorePathFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void storePathNames(String s) {
        Optional<StorePath> p = StorePath.parseBaseName(s);
        if (p.isPresent() && !p.get().baseName().equals(s)) {
            throw new AssertionError("parsed " + s + " as " + p.get().baseName());
        }
        Optional<StorePath> a = StorePath.parseAbsolute("/nix/store", s);
        if (a.isPresent() && !("/nix/store/" + a.get().baseName()).equals(s)) {
            throw new AssertionError("parsed " + s + " as " + a.get().baseName());
        }
    }
}
