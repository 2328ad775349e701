package org.nixnfs.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nixnfs.server.testing.Readme;

/** What `nixnfs serve` prints for executors is what README recommends. */
class RecommendedMountOptionsTest {
    @Test
    void serveRecommendsWhatReadmeRecommends() throws Exception {
        assertEquals(Readme.recommendedMountOptions(), Defaults.RECOMMENDED_MOUNT_OPTIONS);
    }
}
