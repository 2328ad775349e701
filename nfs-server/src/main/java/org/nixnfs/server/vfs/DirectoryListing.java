package org.nixnfs.server.vfs;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * A directory's entries in cookie order. READDIR resumes after a cookie by binary search, so a
 * cookie stays meaningful even if the listing was rebuilt in between (see {@link #byHashCookie}).
 */
public final class DirectoryListing {
    /** Cookies 0, 1 and 2 are reserved by NFSv4 (start, ".", ".."). */
    public static final long FIRST_COOKIE = 3;

    private final long[] cookies;
    private final String[] names;
    /** Entries as READDIR encodes them, per attribute request; see {@link #encoded}. */
    private final ConcurrentHashMap<Object, Encoded> encoded = new ConcurrentHashMap<>(2);
    /** Clients ask for one or two attribute sets; more are served without caching. */
    private static final int MAX_ENCODINGS = 4;

    private DirectoryListing(long[] cookies, String[] names) {
        this.cookies = cookies;
        this.names = names;
    }

    /** Cookies are positions, for directories that never change (everything inside a store path). */
    public static DirectoryListing positional(List<String> sortedNames) {
        long[] c = new long[sortedNames.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = FIRST_COOKIE + i;
        }
        return new DirectoryListing(c, sortedNames.toArray(String[]::new));
    }

    /**
     * Cookies derived from each name, for the store directory whose entries come and go: a client
     * paging through it while paths are added or deleted resumes at the right place, and replicas
     * hand out the same cookies.
     */
    public static DirectoryListing byHashCookie(List<String> names, ToLongFunction<String> cookieOf) {
        record Entry(long cookie, String name) {
        }
        Entry[] e = names.stream().map(n -> new Entry(cookieOf.applyAsLong(n), n)).toArray(Entry[]::new);
        Arrays.sort(e, (a, b) -> a.cookie != b.cookie ? Long.compareUnsigned(a.cookie, b.cookie) : a.name.compareTo(b.name));
        long[] c = new long[e.length];
        String[] n = new String[e.length];
        for (int i = 0; i < e.length; i++) {
            c[i] = e[i].cookie;
            n[i] = e[i].name;
        }
        return new DirectoryListing(c, n);
    }

    public int size() {
        return names.length;
    }

    /**
     * The entries' encodings for one attribute request (a key the caller chooses), filled in as
     * they are first served. Everything a directory entry's encoding depends on is immutable for as
     * long as this listing is, so a warm READDIR only copies bytes.
     */
    public Encoded encoded(Object requestKey) {
        Encoded e = encoded.get(requestKey);
        if (e != null) {
            return e;
        }
        if (encoded.size() >= MAX_ENCODINGS) {
            return new Encoded(names.length);
        }
        return encoded.computeIfAbsent(requestKey, k -> new Encoded(names.length));
    }

    /** Encoded entries by index; null until first encoded. Racing fillers write equal bytes. */
    public static final class Encoded {
        private final byte[][] entries;
        private final AtomicInteger filled = new AtomicInteger();

        Encoded(int size) {
            entries = new byte[size][];
        }

        public byte[] get(int i) {
            return entries[i];
        }

        public void set(int i, byte[] entry) {
            if (entries[i] == null) {
                entries[i] = entry;
                filled.incrementAndGet();
            }
        }

        /** Whether every entry is encoded (then READDIR needs neither the disk nor much CPU). */
        public boolean complete() {
            return filled.get() >= entries.length;
        }
    }

    public long cookie(int i) {
        return cookies[i];
    }

    public String name(int i) {
        return names[i];
    }

    /** Index of the first entry after {@code cookie} (0 for cookie 0), or {@link #size()} at the end. */
    public int indexAfter(long cookie) {
        if (cookie == 0) {
            return 0;
        }
        int lo = 0;
        int hi = cookies.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(cookies[mid], cookie) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
