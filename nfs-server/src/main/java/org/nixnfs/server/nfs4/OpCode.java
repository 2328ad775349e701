package org.nixnfs.server.nfs4;

/** nfs_opnum4 values and the minor version each operation was introduced in. */
public final class OpCode {
    private OpCode() {
    }

    public static final int ACCESS = 3;
    public static final int CLOSE = 4;
    public static final int COMMIT = 5;
    public static final int CREATE = 6;
    public static final int DELEGPURGE = 7;
    public static final int DELEGRETURN = 8;
    public static final int GETATTR = 9;
    public static final int GETFH = 10;
    public static final int LINK = 11;
    public static final int LOCK = 12;
    public static final int LOCKT = 13;
    public static final int LOCKU = 14;
    public static final int LOOKUP = 15;
    public static final int LOOKUPP = 16;
    public static final int NVERIFY = 17;
    public static final int OPEN = 18;
    public static final int OPENATTR = 19;
    public static final int OPEN_CONFIRM = 20;
    public static final int OPEN_DOWNGRADE = 21;
    public static final int PUTFH = 22;
    public static final int PUTPUBFH = 23;
    public static final int PUTROOTFH = 24;
    public static final int READ = 25;
    public static final int READDIR = 26;
    public static final int READLINK = 27;
    public static final int REMOVE = 28;
    public static final int RENAME = 29;
    public static final int RENEW = 30;
    public static final int RESTOREFH = 31;
    public static final int SAVEFH = 32;
    public static final int SECINFO = 33;
    public static final int SETATTR = 34;
    public static final int SETCLIENTID = 35;
    public static final int SETCLIENTID_CONFIRM = 36;
    public static final int VERIFY = 37;
    public static final int WRITE = 38;
    public static final int RELEASE_LOCKOWNER = 39;
    // NFSv4.1
    public static final int BACKCHANNEL_CTL = 40;
    public static final int BIND_CONN_TO_SESSION = 41;
    public static final int EXCHANGE_ID = 42;
    public static final int CREATE_SESSION = 43;
    public static final int DESTROY_SESSION = 44;
    public static final int FREE_STATEID = 45;
    public static final int GET_DIR_DELEGATION = 46;
    public static final int GETDEVICEINFO = 47;
    public static final int GETDEVICELIST = 48;
    public static final int LAYOUTCOMMIT = 49;
    public static final int LAYOUTGET = 50;
    public static final int LAYOUTRETURN = 51;
    public static final int SECINFO_NO_NAME = 52;
    public static final int SEQUENCE = 53;
    public static final int SET_SSV = 54;
    public static final int TEST_STATEID = 55;
    public static final int WANT_DELEGATION = 56;
    public static final int DESTROY_CLIENTID = 57;
    public static final int RECLAIM_COMPLETE = 58;
    // NFSv4.2 (RFC 7862) and extended attributes (RFC 8276)
    public static final int ALLOCATE = 59;
    public static final int COPY = 60;
    public static final int COPY_NOTIFY = 61;
    public static final int DEALLOCATE = 62;
    public static final int IO_ADVISE = 63;
    public static final int LAYOUTERROR = 64;
    public static final int LAYOUTSTATS = 65;
    public static final int OFFLOAD_CANCEL = 66;
    public static final int OFFLOAD_STATUS = 67;
    public static final int READ_PLUS = 68;
    public static final int SEEK = 69;
    public static final int WRITE_SAME = 70;
    public static final int CLONE = 71;
    public static final int GETXATTR = 72;
    public static final int SETXATTR = 73;
    public static final int LISTXATTRS = 74;
    public static final int REMOVEXATTR = 75;
    public static final int ILLEGAL = 10044;

    /** The highest operation number defined for a minor version. */
    public static int highestFor(int minorVersion) {
        return switch (minorVersion) {
            case 0 -> RELEASE_LOCKOWNER;
            case 1 -> RECLAIM_COMPLETE;
            default -> REMOVEXATTR;
        };
    }

    private static final String[] NAMES = new String[REMOVEXATTR + 1];

    static {
        for (var f : OpCode.class.getFields()) {
            try {
                int v = f.getInt(null);
                if (v < NAMES.length) {
                    NAMES[v] = f.getName();
                }
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    public static String name(int op) {
        return op >= 0 && op < NAMES.length && NAMES[op] != null ? NAMES[op] : "OP_" + op;
    }
}
