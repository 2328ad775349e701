package org.nixnfs.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nixnfs.server.testing.Compound;
import org.nixnfs.server.testing.CompoundReply;
import org.nixnfs.server.testing.Nfs4TestClient;
import org.nixnfs.server.testing.TestStore;

/** Byte-range locks on a read-only export: read locks granted, write locks OPENMODE, tests honest. */
class LockTest extends SharedServerTest {
    static final int NFS4ERR_DENIED = 10010;
    static final int NFS4ERR_OPENMODE = 10038;
    static final int NFS4ERR_BAD_STATEID = 10025;
    static final int LOCK = 12;
    static final int LOCKT = 13;
    static final int LOCKU = 14;
    static final int READ_LT = 1;
    static final int WRITE_LT = 2;

    private static Compound lockNewOwner(Nfs4TestClient c, byte[] fh, Nfs4TestClient.Opened o, int type, String owner) {
        return c.newCompound().putFh(fh).op(LOCK).i32(type).bool(false).i64(0).i64(-1L).bool(true)
                .i32(0).stateId(o.seqid(), o.other()).i32(0).i64(c.clientId()).string(owner);
    }

    @ParameterizedTest(name = "NFSv4.{0}")
    @ValueSource(ints = {0, 1})
    void readLocksAreGrantedAndWriteLocksAreOpenMode(int minor) throws Exception {
        try (Nfs4TestClient c = Nfs4TestClient.connect(server.address(), minor)) {
            byte[] dir = c.lookup(TestStore.exportPath(store.tool) + "/include");
            Nfs4TestClient.Opened o = c.open(dir, "tool.h");
            CompoundReply r = c.compound(lockNewOwner(c, o.fh(), o, READ_LT, "locker"));
            r.ok(22).ok(LOCK);
            int seqid = r.i32();
            byte[] lockOther = r.fixed(12);

            r = c.compound(lockNewOwner(c, o.fh(), o, WRITE_LT, "writer"));
            r.ok(22);
            assertEquals(NFS4ERR_OPENMODE, r.next(LOCK));

            // Another owner testing for a write lock conflicts with the read lock held.
            r = c.compound(c.newCompound().putFh(o.fh()).op(LOCKT).i32(WRITE_LT).i64(0).i64(10).i64(c.clientId()).string("other"));
            r.ok(22);
            assertEquals(NFS4ERR_DENIED, r.next(LOCKT));
            assertEquals(0, r.i64());
            assertEquals(-1L, r.i64());
            assertEquals(READ_LT, r.i32());
            r = c.compound(c.newCompound().putFh(o.fh()).op(LOCKT).i32(READ_LT).i64(0).i64(10).i64(c.clientId()).string("other"));
            r.ok(22).ok(LOCKT);

            // Reading with the lock stateid works; unlocking bumps it.
            r = c.compound(c.newCompound().putFh(o.fh()).read(seqid, lockOther, 0, 7));
            r.ok(22).ok(25);
            r = c.compound(c.newCompound().putFh(o.fh()).op(LOCKU).i32(READ_LT).i32(0).stateId(seqid, lockOther).i64(0).i64(-1L));
            r.ok(22).ok(LOCKU);
            assertEquals(seqid + 1, r.i32());
            c.close(o);
            r = c.compound(c.newCompound().putFh(o.fh()).read(seqid + 1, lockOther, 0, 7));
            r.ok(22);
            assertEquals(NFS4ERR_BAD_STATEID, r.next(25), "locks end with their open");
        }
    }
}
