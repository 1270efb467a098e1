package dev.socketserver.it.cluster;

/** The Redis the cluster tests share: {@code REDIS_URL} (property or environment), else the machine's. */
final class RedisAddress {
    private RedisAddress() {
    }

    static String machine() {
        String v = System.getProperty("REDIS_URL", System.getenv("REDIS_URL"));
        return v == null || v.isBlank() ? "redis://127.0.0.1:6379" : v;
    }
}
