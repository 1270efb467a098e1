package dev.socketserver.bootstrap;

import dev.socketserver.config.Config;
import dev.socketserver.config.RedisSettings;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The effective settings as one JSON object for the start-up log, so an operator sees what the
 * environment, system properties and context parameters added up to. Every component of
 * {@link Config} is listed (a new setting appears without touching this class); secrets, and
 * the public key whose PEM would fill the line, show only whether they are set; Redis addresses
 * show without their credentials.
 */
final class ConfigDump {
    private static final Set<String> HIDDEN = Set.of("jwtSecret", "apiKeys", "jwtPublicKey");

    private ConfigDump() {
    }

    static String json(Config config) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (RecordComponent component : Config.class.getRecordComponents()) {
            Object value;
            try {
                value = component.getAccessor().invoke(config);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read setting " + component.getName(), e);
            }
            if (value instanceof RedisSettings redis) {
                value = redis.redacted();
            }
            values.put(component.getName(), HIDDEN.contains(component.getName()) ? hidden(value) : value);
        }
        try (Jsonb jsonb = JsonbBuilder.create()) {
            return jsonb.toJson(values);
        } catch (Exception e) {
            throw new IllegalStateException("cannot render the settings", e);
        }
    }

    private static String hidden(Object value) {
        boolean set = value != null && !(value instanceof Collection<?> c && c.isEmpty());
        return set ? "(set)" : "(not set)";
    }
}
