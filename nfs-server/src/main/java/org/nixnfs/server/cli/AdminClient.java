package org.nixnfs.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.nixnfs.server.admin.AdminToken;

/** Talks to a running server's admin API for the usage, gc and pin commands. */
final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String base;
    private final ObjectMapper json = new ObjectMapper();

    private final AdminToken token;

    /** @param token sent with every request when not null */
    AdminClient(String hostPort, AdminToken token) {
        this.base = "http://" + hostPort;
        this.token = token;
    }

    /** Thrown when no server answers, so callers can say what to do instead. */
    static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    record Response(int status, String body) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(body);
        }
    }

    Response send(String method, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofMinutes(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            req.header("Authorization", token.header());
        }
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (ConnectException e) {
            throw new Unreachable("no nixnfs server answers at " + base);
        }
    }

    JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
        Response r = send("GET", pathAndQuery);
        if (r.status() != 200) {
            throw new IOException(pathAndQuery + ": HTTP " + r.status() + ": " + r.body().strip());
        }
        return json.readTree(r.body());
    }
}
