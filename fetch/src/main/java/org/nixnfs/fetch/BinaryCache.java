package org.nixnfs.fetch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.nixnfs.store.StorePath;

/**
 * One binary cache, asked only for {@code <hash>.narinfo}: over HTTP(S) with a short timeout,
 * or read from disk for {@code file://}. Other schemes ({@code s3://}, ...) are Nix's to read:
 * their narinfo is asked of {@code nix path-info --store URL}. Every answer comes within the
 * timeout, whatever the cache does (a hanging socket is an {@code ERROR}).
 */
public final class BinaryCache {
    private final URI url;
    private final String base;
    private final HttpClient http;
    private final Executor executor;
    private final Duration timeout;
    private final NixCommands nix;

    BinaryCache(URI url, HttpClient http, Executor executor, Duration timeout, NixCommands nix) {
        this.url = url;
        String s = url.toString();
        int q = s.indexOf('?');
        s = q < 0 ? s : s.substring(0, q); // ?priority=..., ?trusted=...: options for Nix, not part of the path
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.http = http;
        this.executor = executor;
        this.timeout = timeout;
        this.nix = nix;
    }

    public URI url() {
        return url;
    }

    /** The narinfo for this hash part: FOUND, ABSENT (the cache says it has none) or ERROR; never THROTTLED. */
    CompletableFuture<NarinfoAnswer> narinfo(StorePath path) {
        String hashPart = path.hashPart();
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        CompletableFuture<NarinfoAnswer> f = switch (scheme) {
            case "http", "https" -> overHttp(hashPart);
            case "file" -> CompletableFuture.supplyAsync(() -> fromFile(hashPart), executor);
            default -> CompletableFuture.supplyAsync(() -> throughNix(path), executor);
        };
        return f.exceptionally(e -> NarinfoAnswer.error(url + ": " + rootMessage(e)))
                .completeOnTimeout(NarinfoAnswer.error(url + ": no answer within " + timeout.toMillis() + " ms"),
                        timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<NarinfoAnswer> overHttp(String hashPart) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(base + "/" + hashPart + ".narinfo")).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(NarinfoAnswer.error(url + ": " + e.getMessage()));
        }
        BoundedBody[] body = new BoundedBody[1];
        HttpResponse.BodyHandler<byte[]> handler = info -> {
            if (info.statusCode() != 200) {
                return HttpResponse.BodySubscribers.replacing(null);
            }
            body[0] = new BoundedBody(Narinfo.MAX_BYTES);
            return body[0];
        };
        return http.sendAsync(req, handler).thenApply(r -> {
            if (r.statusCode() == 404 || r.statusCode() == 403) { // S3 answers 403 for a missing key
                return NarinfoAnswer.absent(url + ": HTTP " + r.statusCode());
            }
            if (r.statusCode() != 200) {
                return NarinfoAnswer.error(url + ": HTTP " + r.statusCode());
            }
            byte[] b = r.body();
            return parsed(b == null ? null : new String(b, StandardCharsets.UTF_8));
        }).whenComplete((r, e) -> {
            if (body[0] != null && (e != null || r == null)) {
                body[0].cancel();
            }
        }).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e != null && body[0] != null) {
                body[0].cancel(); // headers came, the body did not: close the exchange
            }
        });
    }

    /** Whether the cache answers {@code nix-cache-info}: empty if so, else what went wrong. */
    CompletableFuture<Optional<String>> cacheInfo() {
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            Path p = Path.of(URI.create(base)).resolve("nix-cache-info");
            return CompletableFuture.completedFuture(Files.isReadable(p) ? Optional.empty()
                    : Optional.of("no readable " + p));
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return CompletableFuture.completedFuture(Optional.empty()); // Nix's to read
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/nix-cache-info")).timeout(timeout).GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.discarding())
                .thenApply(r -> r.statusCode() == 200 ? Optional.<String>empty()
                        : Optional.of("HTTP " + r.statusCode()))
                .exceptionally(e -> Optional.of(rootMessage(e)));
    }

    private NarinfoAnswer fromFile(String hashPart) {
        Path p = Path.of(URI.create(base)).resolve(hashPart + ".narinfo");
        try {
            if (Files.size(p) > Narinfo.MAX_BYTES) {
                return parsed(null);
            }
            return parsed(Files.readString(p, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return NarinfoAnswer.absent(url + ": no " + p.getFileName());
        } catch (IOException | RuntimeException e) {
            return NarinfoAnswer.error(url + ": " + e);
        }
    }

    private NarinfoAnswer throughNix(StorePath path) {
        try {
            return nix.pathInfo(url.toString(), path, timeout)
                    .map(i -> NarinfoAnswer.found(new Narinfo(path, i.narSize(), List.of()), url))
                    .orElseGet(() -> NarinfoAnswer.absent(url + ": nix path-info: not there"));
        } catch (IOException e) {
            return NarinfoAnswer.error(url + ": " + e.getMessage());
        }
    }

    private NarinfoAnswer parsed(String text) {
        return (text == null ? Optional.<Narinfo>empty() : Narinfo.parse(text))
                .map(n -> NarinfoAnswer.found(n, url))
                .orElseGet(() -> NarinfoAnswer.error(url + ": not a narinfo (no StorePath/NarSize, or too long)"));
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && (e instanceof CompletionException || e instanceof ExecutionException)) {
            e = e.getCause();
        }
        return e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.toString();
    }

    @Override
    public String toString() {
        return url.toString();
    }
}
