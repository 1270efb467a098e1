package dev.socketserver.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import org.junit.jupiter.api.Test;

class IdentifiersTest {
    static String problem(String value) {
        ServerException e = assertThrows(ServerException.class, () -> Identifiers.validate("userId", value));
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        return e.getMessage();
    }

    @Test
    void acceptsUpTo255BytesOfUtf8() {
        assertEquals("a".repeat(255), Identifiers.validate("userId", "a".repeat(255)));
        assertEquals("\u20ac".repeat(85), Identifiers.validate("userId", "\u20ac".repeat(85))); // 255 bytes
        assertEquals("\uD83D\uDE00".repeat(63), Identifiers.validate("userId", "\uD83D\uDE00".repeat(63))); // 252 bytes
    }

    @Test
    void refusesWhatBreaksTheRuleNamingTheField() {
        assertEquals("userId must be a non-empty string", problem(""));
        assertEquals("userId must be a non-empty string", problem(null));
        assertEquals("userId must be at most 255 bytes of UTF-8", problem("a".repeat(256)));
        assertEquals("userId must be at most 255 bytes of UTF-8", problem("\u20ac".repeat(86)));
        assertEquals("userId must be at most 255 bytes of UTF-8", problem("x".repeat(256 * 1024)));
        assertEquals("userId must not contain control characters", problem("a\u0000b"));
        assertEquals("userId must not contain control characters", problem("a\u0085b"));
        assertEquals("userId must be valid UTF-16/UTF-8 text", problem("a\uD800"));
        assertEquals("userId must be valid UTF-16/UTF-8 text", problem("\uDC00a"));
    }

    @Test
    void optionalIdentifiersMayBeEmptyAndRoomNamesFollowTheSameRule() {
        assertEquals("", Identifiers.validateOptional("entityId", ""));
        assertThrows(ServerException.class, () -> Identifiers.validateOptional("entityId", "e".repeat(256)));
        assertEquals("room must be at most 255 bytes of UTF-8",
                assertThrows(ServerException.class, () -> RoomNames.validate("r".repeat(256))).getMessage());
    }
}
