package dev.socketserver.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One answer of {@code GET /metrics}, parsed by the exposition format's grammar: every sample
 * line must be {@code name{label="value",...} value}, every {@code # TYPE} line a known type, or
 * parsing fails. Samples are keyed by name and labels sorted by label name, e.g.
 * {@code socketserver_handshakes_total{result="ok"}}.
 */
public record MetricsScrape(int status, String contentType, String body, Map<String, Double> samples,
                            Map<String, String> types) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? ([-+]?(?:[0-9.eE+-]+|Inf|NaN))(?: [0-9.]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern TYPE = Pattern.compile(
            "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|gaugehistogram|summary|info|stateset|unknown|untyped)");

    /** {@code GET /metrics} with an optional {@code Authorization} and {@code Accept} header. */
    public static MetricsScrape get(int port, String authorization, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            String type = r.headers().firstValue("Content-Type").orElse("");
            if (r.statusCode() != 200) {
                return new MetricsScrape(r.statusCode(), type, r.body(), Map.of(), Map.of());
            }
            return parse(r.statusCode(), type, r.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("GET /metrics failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** With the test API key, in the Prometheus text format. */
    public static MetricsScrape get(int port) {
        return get(port, "Bearer " + GrpcClient.API_KEY, null);
    }

    static MetricsScrape parse(int status, String contentType, String body) {
        Map<String, Double> samples = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# UNIT ") || line.equals("# EOF")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                Matcher t = TYPE.matcher(line);
                if (!t.matches()) {
                    throw new AssertionError("not a TYPE line: " + line);
                }
                types.put(t.group(1), t.group(2));
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            String key = m.group(1) + canonicalLabels(m.group(2), line);
            if (samples.put(key, parseValue(m.group(3))) != null) {
                throw new AssertionError("sample given twice: " + key);
            }
        }
        return new MetricsScrape(status, contentType, body, samples, types);
    }

    private static String canonicalLabels(String raw, String line) {
        if (raw == null || raw.isEmpty()) {
            return "";
        }
        Map<String, String> labels = new TreeMap<>();
        Matcher l = LABEL.matcher(raw);
        int end = 0;
        while (l.find() && l.start() == end) {
            labels.put(l.group(1), l.group(2));
            end = l.end();
        }
        if (end != raw.length()) {
            throw new AssertionError("malformed labels: " + line);
        }
        StringBuilder sb = new StringBuilder("{");
        labels.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(k).append("=\"").append(v).append('"'));
        return sb.append('}').toString();
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** The sample's value; 0 when absent (a labelled counter appears with its first count). */
    public double value(String key) {
        return samples.getOrDefault(key, 0.0);
    }

    /** The sample's value; fails if absent. */
    public double require(String key) {
        Double v = samples.get(key);
        if (v == null) {
            throw new AssertionError("no sample " + key + " in:\n" + body);
        }
        return v;
    }
}
