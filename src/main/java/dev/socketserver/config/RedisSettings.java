package dev.socketserver.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to reach Redis when {@code BROKER=redis}.
 *
 * @param addresses {@code REDIS_ADDRESSES}: {@code redis://} or {@code rediss://} URLs, user and
 *                  password optional; several are independent shards (each stream on one, by a
 *                  consistent hash of its name), or the seeds of a Redis Cluster
 * @param cluster   {@code REDIS_CLUSTER}: the addresses seed a Redis Cluster
 * @param prefix    {@code REDIS_PREFIX}: namespace of every key and channel, so deployments can
 *                  share one Redis
 * @param timeout   {@code REDIS_TIMEOUT}: how long a command may take before the call fails with
 *                  {@code UNAVAILABLE}
 */
public record RedisSettings(List<String> addresses, boolean cluster, String prefix, Duration timeout) {
    public static final String DEFAULT_ADDRESS = "redis://127.0.0.1:6379";
    public static final String DEFAULT_PREFIX = "socket-server";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public RedisSettings {
        addresses = List.copyOf(addresses);
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(timeout, "timeout");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one address");
        }
    }

    /** The addresses without user or password, for logs and the settings line. */
    public List<String> redactedAddresses() {
        List<String> out = new ArrayList<>();
        for (String a : addresses) {
            out.add(redact(a));
        }
        return out;
    }

    /** The settings line shows the addresses without credentials. */
    @Override
    public String toString() {
        return "RedisSettings[addresses=" + redactedAddresses() + ", cluster=" + cluster + ", prefix=" + prefix
                + ", timeout=" + timeout + "]";
    }

    /** These settings with {@link #redactedAddresses()}, for the settings line. */
    public RedisSettings redacted() {
        return new RedisSettings(redactedAddresses(), cluster, prefix, timeout);
    }

    /** One address without its credentials. */
    public static String redact(String address) {
        try {
            URI u = new URI(address);
            if (u.getRawUserInfo() == null) {
                return address;
            }
            return new URI(u.getScheme(), "***", u.getHost(), u.getPort(), u.getPath(), u.getQuery(), null).toString();
        } catch (URISyntaxException e) {
            return "(invalid)";
        }
    }

    /** Why {@code address} is not a usable Redis URL, or {@code null} when it is. */
    static String problemOf(String address) {
        try {
            URI u = new URI(address);
            if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme())) {
                return "expected redis:// or rediss://";
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                return "no host";
            }
            String path = u.getPath();
            if (path != null && !path.isEmpty() && !path.matches("/\\d{0,2}")) {
                return "the path may only name a database number";
            }
            return null;
        } catch (URISyntaxException e) {
            return "not a URL";
        }
    }
}
