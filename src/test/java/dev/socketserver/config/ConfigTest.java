package dev.socketserver.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The history and delivery bounds: defaults, parsing, and one message listing every bad value. */
class ConfigTest {

    private static Config load(Map<String, String> values) {
        return Config.load(values::get);
    }

    @Test
    void theBoundsHaveTheirDocumentedDefaults() {
        HistorySettings h = load(Map.of()).history();
        assertEquals(100, h.size());
        assertEquals(Duration.ofMinutes(5), h.ttl());
        assertEquals(100_000, h.maxStreams());
        assertEquals(Duration.ofHours(24), h.metaTtl());
        assertEquals(100_000, h.maxKeys());
        assertEquals(Duration.ofMinutes(5), h.idempotencyWindow());
        assertEquals(Duration.ofSeconds(60), load(Map.of()).presenceTtl());
        assertEquals(Duration.ofSeconds(30), load(Map.of("PRESENCE_TTL", "30s")).presenceTtl());
    }

    @Test
    void theBoundsAreRead() {
        HistorySettings h = load(Map.of("HISTORY_MAX_STREAMS", "500", "HISTORY_META_TTL", "2h",
                "IDEMPOTENCY_MAX_KEYS", "2000", "HISTORY_ROOMS", "chat:*=500/10m,ticker:*=0")).history();
        assertEquals(500, h.maxStreams());
        assertEquals(Duration.ofHours(2), h.metaTtl());
        assertEquals(2000, h.maxKeys());
        assertEquals(new HistorySettings.RoomOverride("chat:*", 500, Duration.ofMinutes(10)), h.rooms().get(0));
        assertEquals(new HistorySettings.RoomOverride("ticker:*", 0, Duration.ofMinutes(5)), h.rooms().get(1));
    }

    @Test
    void invalidBoundsAreAllReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("HISTORY_MAX_STREAMS", "0",
                "HISTORY_META_TTL", "soon", "IDEMPOTENCY_MAX_KEYS", "-1", "HISTORY_ROOMS", "big:*=2000000", "PRESENCE_TTL", "1s")));
        String m = e.getMessage();
        for (String name : new String[] {"HISTORY_MAX_STREAMS", "HISTORY_META_TTL", "IDEMPOTENCY_MAX_KEYS", "HISTORY_ROOMS",
                "PRESENCE_TTL"}) {
            assertTrue(m.contains(name), name + " missing from: " + m);
        }
    }

    @Test
    void metricsAreOnAndNeedTheKeyByDefault() {
        Config defaults = load(Map.of());
        assertTrue(defaults.metricsEnabled());
        assertEquals(false, defaults.metricsPublic());
        Config set = load(Map.of("METRICS_ENABLED", "false", "METRICS_PUBLIC", "true"));
        assertEquals(false, set.metricsEnabled());
        assertTrue(set.metricsPublic());
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("METRICS_ENABLED", "maybe", "METRICS_PUBLIC", "sometimes")));
        assertTrue(e.getMessage().contains("METRICS_ENABLED"), e.getMessage());
        assertTrue(e.getMessage().contains("METRICS_PUBLIC"), e.getMessage());
    }

    @Test
    void theApiRequestBoundsHaveDefaultsAndAreValidated() {
        Config defaults = load(Map.of());
        assertEquals(Duration.ofSeconds(10), defaults.apiBodyTimeout());
        assertEquals(1000, defaults.apiMaxInFlight());
        Config set = load(Map.of("API_BODY_TIMEOUT", "2s", "API_MAX_IN_FLIGHT", "50"));
        assertEquals(Duration.ofSeconds(2), set.apiBodyTimeout());
        assertEquals(50, set.apiMaxInFlight());
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("API_BODY_TIMEOUT", "0s", "API_MAX_IN_FLIGHT", "0")));
        assertTrue(e.getMessage().contains("API_BODY_TIMEOUT"), e.getMessage());
        assertTrue(e.getMessage().contains("API_MAX_IN_FLIGHT"), e.getMessage());
    }

    @Test
    void aShortJwtSecretIsReportedWithTheOtherProblems() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load(Map.of("AUTH_JWT_SECRET", "short", "PING_INTERVAL", "soon")));
        assertTrue(e.getMessage().contains("AUTH_JWT_SECRET"), e.getMessage());
        assertTrue(e.getMessage().contains("PING_INTERVAL=soon"), e.getMessage());
    }

    @Test
    void theBrokerIsMemoryUnlessRedisIsChosenAndRedisHasDefaults() {
        Config defaults = load(Map.of());
        assertEquals(Config.BrokerKind.MEMORY, defaults.broker());
        assertEquals(java.util.List.of("redis://127.0.0.1:6379"), defaults.redis().addresses());
        assertEquals(false, defaults.redis().cluster());
        assertEquals("socket-server", defaults.redis().prefix());
        assertEquals(Duration.ofSeconds(5), defaults.redis().timeout());
        assertTrue(defaults.nodeId().length() > 8, defaults.nodeId());
        assertTrue(!defaults.nodeId().equals(load(Map.of()).nodeId()), "a generated node id is new per start");
        Config redis = load(Map.of("BROKER", "redis", "REDIS_ADDRESSES", "redis://a:6379, rediss://u:p@b:6380/2",
                "REDIS_CLUSTER", "true", "REDIS_PREFIX", "prod:eu-1", "REDIS_TIMEOUT", "750ms", "NODE_ID", "web-3"));
        assertEquals(Config.BrokerKind.REDIS, redis.broker());
        assertEquals(java.util.List.of("redis://a:6379", "rediss://u:p@b:6380/2"), redis.redis().addresses());
        assertTrue(redis.redis().cluster());
        assertEquals("prod:eu-1", redis.redis().prefix());
        assertEquals(Duration.ofMillis(750), redis.redis().timeout());
        assertEquals("web-3", redis.nodeId());
        assertEquals(java.util.List.of("redis://a:6379", "rediss://***@b:6380/2"), redis.redis().redactedAddresses());
        assertTrue(!redis.redis().toString().contains(":p@"), redis.redis().toString());
    }

    @Test
    void invalidRedisSettingsAreAllReportedAtOnceWithoutTheirPasswords() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("BROKER", "kafka",
                "REDIS_ADDRESSES", "redis://ok:6379,http://user:hunter2@web:80,redis://:6379,redis://h:1/x",
                "REDIS_CLUSTER", "maybe", "REDIS_PREFIX", "has space", "REDIS_TIMEOUT", "10ms", "NODE_ID", "a/b")));
        String m = e.getMessage();
        for (String expected : new String[] {"BROKER=kafka: expected memory or redis", "http://***@web:80': expected redis://",
                "redis://:6379': no host", "redis://h:1/x': the path may only name a database number", "REDIS_CLUSTER=maybe",
                "REDIS_PREFIX=has space", "REDIS_TIMEOUT=10ms", "NODE_ID=a/b"}) {
            assertTrue(m.contains(expected), expected + " missing from: " + m);
        }
        assertTrue(!m.contains("hunter2"), m);
    }
}
