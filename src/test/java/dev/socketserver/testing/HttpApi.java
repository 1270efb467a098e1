package dev.socketserver.testing;

import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP/1.1 client for {@code POST /api/<Method>} and the {@code GET /health/*} probes. */
public final class HttpApi {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Status and parsed JSON body. */
    public record Response(int status, JsonObject body) {
    }

    private HttpApi() {
    }

    public static Response post(int port, String method, String json) {
        return send(port, method, "POST", json, "Bearer " + GrpcClient.API_KEY);
    }

    public static Response send(int port, String method, String httpMethod, String json, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/" + method))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .method(httpMethod, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return exchange(b);
    }

    /** {@code GET path} without a key, e.g. {@code /health/ready}; a body that is not JSON is null. */
    public static Response get(int port, String path) {
        return exchange(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET());
    }

    private static Response exchange(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
            return new Response(r.statusCode(), r.body().isEmpty() || !json ? null : WsClient.parse(r.body()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
