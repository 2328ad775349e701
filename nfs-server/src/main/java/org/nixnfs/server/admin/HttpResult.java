package org.nixnfs.server.admin;

/** An admin endpoint's answer. */
public record HttpResult(int status, String contentType, byte[] body) {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public static HttpResult text(int status, String s) {
        return new HttpResult(status, TEXT, (s + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static HttpResult json(int status, byte[] body) {
        return new HttpResult(status, JSON, body);
    }
}
