package org.nixnfs.server.nfs4.attr;

import java.util.Arrays;
import org.nixnfs.server.xdr.XdrDecoder;
import org.nixnfs.server.xdr.XdrEncoder;

/** An XDR bitmap4: attribute number n is bit (n % 32) of word (n / 32). Immutable. */
public final class Bitmap {
    /** More words than this cannot name any attribute that exists; refuse them as garbage. */
    private static final int MAX_WORDS = 8;
    private final int[] words;

    private Bitmap(int[] words) {
        int n = words.length;
        while (n > 0 && words[n - 1] == 0) {
            n--;
        }
        this.words = Arrays.copyOf(words, n);
    }

    public static Bitmap of(int... attrs) {
        int max = Arrays.stream(attrs).max().orElse(-1);
        int[] w = new int[max / 32 + 1];
        for (int a : attrs) {
            w[a / 32] |= 1 << (a % 32);
        }
        return new Bitmap(w);
    }

    public static Bitmap empty() {
        return new Bitmap(new int[0]);
    }

    public static Bitmap read(XdrDecoder in) {
        int n = in.readArrayLength(MAX_WORDS, 4);
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = in.readInt();
        }
        return new Bitmap(w);
    }

    public void write(XdrEncoder out) {
        out.writeInt(words.length);
        for (int w : words) {
            out.writeInt(w);
        }
    }

    public boolean isSet(int attr) {
        int i = attr / 32;
        return i < words.length && (words[i] & (1 << (attr % 32))) != 0;
    }

    public Bitmap with(int attr) {
        int[] w = Arrays.copyOf(words, Math.max(words.length, attr / 32 + 1));
        w[attr / 32] |= 1 << (attr % 32);
        return new Bitmap(w);
    }

    public Bitmap and(Bitmap o) {
        int[] w = new int[Math.min(words.length, o.words.length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = words[i] & o.words[i];
        }
        return new Bitmap(w);
    }

    /** Whether every attribute set here is also set in {@code o}. */
    public boolean subsetOf(Bitmap o) {
        for (int i = 0; i < words.length; i++) {
            int other = i < o.words.length ? o.words[i] : 0;
            if ((words[i] & ~other) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The highest attribute number that could be set, plus one. */
    public int limit() {
        return words.length * 32;
    }

    public boolean isEmpty() {
        return words.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bitmap b && Arrays.equals(b.words, words);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int a = 0; a < limit(); a++) {
            if (isSet(a)) {
                sb.append(sb.length() > 1 ? "," : "").append(a);
            }
        }
        return sb.append('}').toString();
    }
}
