package org.nixnfs.server.nfs4;

import static org.nixnfs.server.nfs4.OpCode.*;

import org.nixnfs.server.nfs4.op.Access;
import org.nixnfs.server.nfs4.op.BackchannelCtl;
import org.nixnfs.server.nfs4.op.BindConnToSession;
import org.nixnfs.server.nfs4.op.Close;
import org.nixnfs.server.nfs4.op.CreateSession;
import org.nixnfs.server.nfs4.op.DelegReturn;
import org.nixnfs.server.nfs4.op.DestroyClientId;
import org.nixnfs.server.nfs4.op.DestroySession;
import org.nixnfs.server.nfs4.op.ExchangeId;
import org.nixnfs.server.nfs4.op.FreeStateId;
import org.nixnfs.server.nfs4.op.GetAttr;
import org.nixnfs.server.nfs4.op.GetFh;
import org.nixnfs.server.nfs4.op.Lock;
import org.nixnfs.server.nfs4.op.LockT;
import org.nixnfs.server.nfs4.op.LockU;
import org.nixnfs.server.nfs4.op.Lookup;
import org.nixnfs.server.nfs4.op.Lookupp;
import org.nixnfs.server.nfs4.op.Open;
import org.nixnfs.server.nfs4.op.OpenConfirm;
import org.nixnfs.server.nfs4.op.OpenDowngrade;
import org.nixnfs.server.nfs4.op.PutFh;
import org.nixnfs.server.nfs4.op.PutRootFh;
import org.nixnfs.server.nfs4.op.Read;
import org.nixnfs.server.nfs4.op.ReadDir;
import org.nixnfs.server.nfs4.op.ReadLink;
import org.nixnfs.server.nfs4.op.ReadOnly;
import org.nixnfs.server.nfs4.op.ReclaimComplete;
import org.nixnfs.server.nfs4.op.ReleaseLockOwner;
import org.nixnfs.server.nfs4.op.Renew;
import org.nixnfs.server.nfs4.op.RestoreFh;
import org.nixnfs.server.nfs4.op.SaveFh;
import org.nixnfs.server.nfs4.op.SecInfo;
import org.nixnfs.server.nfs4.op.Seek;
import org.nixnfs.server.nfs4.op.Sequence;
import org.nixnfs.server.nfs4.op.SetClientId;
import org.nixnfs.server.nfs4.op.SetClientIdConfirm;
import org.nixnfs.server.nfs4.op.TestStateId;
import org.nixnfs.server.nfs4.op.Unsupported;
import org.nixnfs.server.nfs4.op.Verify;

/**
 * Which class runs each operation number, per minor version. Numbers outside a minor version's
 * range are OP_ILLEGAL; 4.0-only operations are NOTSUPP in 4.1 and later (RFC 8881 section 18).
 */
public final class Operations {
    private final Operation<?>[] ops = new Operation<?>[REMOVEXATTR + 1];

    public Operations() {
        // Reading the export.
        ops[PUTROOTFH] = new PutRootFh();
        ops[PUTPUBFH] = ops[PUTROOTFH];
        ops[PUTFH] = new PutFh();
        ops[GETFH] = new GetFh();
        ops[SAVEFH] = new SaveFh();
        ops[RESTOREFH] = new RestoreFh();
        ops[LOOKUP] = new Lookup();
        ops[LOOKUPP] = new Lookupp();
        ops[GETATTR] = new GetAttr();
        ops[ACCESS] = new Access();
        ops[READDIR] = new ReadDir();
        ops[READLINK] = new ReadLink();
        ops[OPEN] = new Open();
        ops[OPEN_DOWNGRADE] = new OpenDowngrade();
        ops[CLOSE] = new Close();
        ops[READ] = new Read();
        ops[SECINFO] = new SecInfo(false);
        ops[SECINFO_NO_NAME] = new SecInfo(true);
        ops[VERIFY] = new Verify(false);
        ops[NVERIFY] = new Verify(true);
        ops[SEEK] = new Seek();
        // NFSv4.0 client state.
        ops[SETCLIENTID] = new SetClientId();
        ops[SETCLIENTID_CONFIRM] = new SetClientIdConfirm();
        ops[RENEW] = new Renew();
        ops[OPEN_CONFIRM] = new OpenConfirm();
        // NFSv4.1 sessions.
        ops[EXCHANGE_ID] = new ExchangeId();
        ops[CREATE_SESSION] = new CreateSession();
        ops[DESTROY_SESSION] = new DestroySession();
        ops[SEQUENCE] = new Sequence();
        ops[RECLAIM_COMPLETE] = new ReclaimComplete();
        ops[DESTROY_CLIENTID] = new DestroyClientId();
        ops[BIND_CONN_TO_SESSION] = new BindConnToSession();
        ops[BACKCHANNEL_CTL] = new BackchannelCtl();
        ops[TEST_STATEID] = new TestStateId();
        ops[FREE_STATEID] = new FreeStateId();
        // Anything that would write: read-only file system.
        Operation<?> rofs = new ReadOnly();
        for (int op : new int[] {COMMIT, CREATE, LINK, REMOVE, RENAME, SETATTR, WRITE, ALLOCATE, COPY, DEALLOCATE,
            WRITE_SAME, CLONE, SETXATTR, REMOVEXATTR}) {
            ops[op] = rofs;
        }
        // Byte-range locks (read locks only: nothing can be written).
        ops[LOCK] = new Lock();
        ops[LOCKT] = new LockT();
        ops[LOCKU] = new LockU();
        ops[RELEASE_LOCKOWNER] = new ReleaseLockOwner();
        // No delegation is ever granted, so none can be returned.
        ops[DELEGRETURN] = new DelegReturn();
        // Optional features we do not offer.
        Operation<?> notSupported = new Unsupported();
        for (int op : new int[] {DELEGPURGE, OPENATTR, GET_DIR_DELEGATION, WANT_DELEGATION,
            GETDEVICEINFO, GETDEVICELIST, LAYOUTCOMMIT, LAYOUTGET, LAYOUTRETURN, LAYOUTERROR, LAYOUTSTATS, SET_SSV,
            COPY_NOTIFY, OFFLOAD_CANCEL, OFFLOAD_STATUS, IO_ADVISE, READ_PLUS, GETXATTR, LISTXATTRS}) {
            ops[op] = notSupported;
        }
    }

    /** The operation for {@code opcode} in {@code minorVersion}, or null if it is OP_ILLEGAL there. */
    public Operation<?> lookup(int opcode, int minorVersion) {
        if (opcode < ACCESS || opcode > highestFor(minorVersion)) {
            return null;
        }
        if (minorVersion > 0 && isRemovedIn41(opcode)) {
            return REMOVED;
        }
        return ops[opcode];
    }

    private static final Operation<?> REMOVED = new Unsupported();

    private static boolean isRemovedIn41(int opcode) {
        return opcode == SETCLIENTID || opcode == SETCLIENTID_CONFIRM || opcode == RENEW || opcode == OPEN_CONFIRM
                || opcode == RELEASE_LOCKOWNER;
    }

    /** 4.1 operations that may start a COMPOUND without SEQUENCE (and must then be alone in it). */
    public static boolean isSessionless(int opcode) {
        return opcode == EXCHANGE_ID || opcode == CREATE_SESSION || opcode == DESTROY_SESSION
                || opcode == BIND_CONN_TO_SESSION || opcode == DESTROY_CLIENTID;
    }
}
