package dev.socketserver.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.Config;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory engine is built with the broker's bounds from the settings, not its defaults. */
class EngineTest {
    @Test
    void theMemoryBrokersLimitsComeFromHistoryMaxStreamsIdempotencyMaxKeysAndHistoryMetaTtl() {
        Config config = Config.load(Map.of("HISTORY_MAX_STREAMS", "7", "IDEMPOTENCY_MAX_KEYS", "11",
                "HISTORY_META_TTL", "90s")::get);
        Engine engine = Engine.of(config);
        try {
            MemoryBroker broker = assertInstanceOf(MemoryBroker.class, engine.broker());
            assertEquals(new MemoryBroker.Limits(7, 11, Duration.ofSeconds(90)), broker.limits());
        } finally {
            engine.broker().close();
            engine.presence().close();
        }
    }
}
