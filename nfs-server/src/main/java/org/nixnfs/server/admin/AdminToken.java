package org.nixnfs.server.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The bearer token that the admin API's mutating endpoints (GC run, pins) require, read from a
 * file so that it never shows in a process listing. The comparison takes the same time
 * whatever the guess, so it cannot be found byte by byte.
 */
public final class AdminToken {
    /** Shorter tokens are refused at start: they could be guessed over the network. */
    public static final int MIN_LENGTH = 16;
    private final byte[] token;

    private AdminToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** The first line of {@code file}, without surrounding white space. */
    public static AdminToken read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        int newline = text.indexOf('\n');
        String token = (newline < 0 ? text : text.substring(0, newline)).strip();
        if (token.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the admin token in " + file + " is shorter than " + MIN_LENGTH
                    + " characters; make one with: head -c 32 /dev/urandom | base64 > " + file);
        }
        return new AdminToken(token);
    }

    public static AdminToken of(String token) {
        return new AdminToken(token);
    }

    /** Whether an {@code Authorization} header value carries this token. */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }

    /** The value of an {@code Authorization} header that carries this token. */
    public String header() {
        return "Bearer " + new String(token, StandardCharsets.UTF_8);
    }

    /**
     * Refuses an admin listener that others than this host may reach without a token: on a
     * wildcard or non-loopback address the GC and pin endpoints would be open to the network.
     */
    public static void checkListener(InetSocketAddress listen, AdminToken token) {
        InetAddress a = listen.getAddress();
        if (token == null && (a == null || !a.isLoopbackAddress())) {
            throw new IllegalArgumentException("the admin listener " + listen.getHostString() + ":" + listen.getPort()
                    + " is not on loopback, so its GC and pin endpoints need a token: pass --admin-token-file FILE "
                    + "(e.g. made with: head -c 32 /dev/urandom | base64 > FILE), or listen on 127.0.0.1");
        }
    }

    @Override
    public String toString() {
        return "AdminToken[hidden]";
    }
}
