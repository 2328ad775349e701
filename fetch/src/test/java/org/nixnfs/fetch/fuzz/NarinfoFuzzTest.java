package org.nixnfs.fetch.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import org.nixnfs.fetch.Narinfo;

/**
 * A binary cache's {@code .narinfo} is outside input (any cache the operator lists, or whatever
 * answers at its address): any text up to {@link Narinfo#MAX_BYTES} parses into a store path with
 * a size that is not negative, or is refused, never an exception.
 */
class NarinfoFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void narinfo(String text) {
        if (text == null) {
            return; // no body is no narinfo: BinaryCache never parses null
        }
        Optional<Narinfo> n = Narinfo.parse(text);
        if (n.isPresent() && (n.get().storePath() == null || n.get().narSize() < 0 || n.get().references() == null)) {
            throw new AssertionError("parsed into " + n.get());
        }
    }
}
