package dev.socketserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.socketserver.config.Config;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDumpTest {
    @Test
    void listsEverySettingAndHidesSecrets() {
        Map<String, String> env = Map.of("AUTH_JWT_SECRET", "a-secret-of-at-least-32-bytes-0123456789",
                "API_KEYS", "key-1,key-2", "PING_INTERVAL", "30s", "HISTORY_ROOMS", "chat:*=500/10m",
                "ROOMS_POLICY", "claims", "REDIS_ADDRESSES", "redis://user:hunter2@redis:6379");
        String json = ConfigDump.json(Config.load(env::get));
        assertFalse(json.contains("a-secret-of"), json);
        assertFalse(json.contains("key-1"), json);
        assertFalse(json.contains("hunter2"), json);
        JsonObject o = Json.createReader(new StringReader(json)).readObject();
        assertEquals(Config.class.getRecordComponents().length, o.size(), json);
        assertEquals("(set)", o.getString("jwtSecret"));
        assertEquals("(set)", o.getString("apiKeys"));
        assertEquals("(not set)", o.getString("jwtPublicKey"));
        assertEquals("PT30S", o.getString("pingInterval"));
        assertEquals("CLAIMS", o.getString("roomsPolicy"));
        assertEquals(128, o.getInt("maxRoomsPerConnection"));
        assertEquals("chat:*", o.getJsonObject("history").getJsonArray("rooms").getJsonObject(0).getString("pattern"));
        assertEquals("redis://***@redis:6379", o.getJsonObject("redis").getJsonArray("addresses").getString(0));
        assertEquals(500, o.getJsonObject("history").getJsonArray("rooms").getJsonObject(0).getInt("size"));
    }
}
