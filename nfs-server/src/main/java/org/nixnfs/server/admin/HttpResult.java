package org.nixnfs.server.admin;

import java.nio.charset.StandardCharsets;

/**
 * An admin endpoint's answer.
 *
 * @param allow for 405 answers, the methods the resource allows (the {@code Allow} header); else null
 */
public record HttpResult(int status, String contentType, byte[] body, String allow) {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public HttpResult(int status, String contentType, byte[] body) {
        this(status, contentType, body, null);
    }

    public static HttpResult text(int status, String s) {
        return new HttpResult(status, TEXT, (s + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public static HttpResult json(int status, byte[] body) {
        return new HttpResult(status, JSON, body);
    }

    public HttpResult withAllow(String methods) {
        return new HttpResult(status, contentType, body, methods);
    }
}
