package dev.socketserver.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code WS_WRITE_PATH}: its default, both values in any case, and a clear error for anything else. */
class WritePathSettingTest {

    private static Config load(Map<String, String> settings) {
        return Config.load(settings::get);
    }

    @Test
    void defaultsToAuto() {
        assertEquals(Config.WritePath.AUTO, load(Map.of()).wsWritePath());
    }

    @Test
    void acceptsBothValuesInAnyCase() {
        assertEquals(Config.WritePath.PORTABLE, load(Map.of("WS_WRITE_PATH", "portable")).wsWritePath());
        assertEquals(Config.WritePath.PORTABLE, load(Map.of("WS_WRITE_PATH", " Portable ")).wsWritePath());
        assertEquals(Config.WritePath.AUTO, load(Map.of("WS_WRITE_PATH", "AUTO")).wsWritePath());
    }

    @Test
    void refusesAnythingElseNamingTheSetting() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of("WS_WRITE_PATH", "jetty")));
        assertTrue(e.getMessage().contains("WS_WRITE_PATH=jetty: expected auto or portable"), e.getMessage());
    }
}
