package org.nixnfs.server.nfs4.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nixnfs.server.status.NfsException;

class SlotTableTest {
    @Test
    void sequenceIdsAdvanceByOneAndReplaysComeFromTheCache() throws NfsException {
        SlotTable t = new SlotTable(2);
        assertFalse(t.admit(0, 1).replay());
        assertEquals(10008, assertThrows(NfsException.class, () -> t.admit(0, 1)).status(), "in progress: DELAY");
        t.complete(0, new byte[] {42});
        SlotTable.Admission replay = t.admit(0, 1);
        assertTrue(replay.replay());
        assertArrayEquals(new byte[] {42}, replay.cachedReply());
        assertEquals(10063, assertThrows(NfsException.class, () -> t.admit(0, 3)).status(), "SEQ_MISORDERED");
        assertFalse(t.admit(0, 2).replay());
        t.complete(0, null);
        assertEquals(10068, assertThrows(NfsException.class, () -> t.admit(0, 2)).status(), "RETRY_UNCACHED_REP");
        assertEquals(10053, assertThrows(NfsException.class, () -> t.admit(2, 1)).status(), "BADSLOT");
    }
}
