package dev.socketserver.message;

import dev.socketserver.error.ServerException;

/**
 * The one rule for every identifier clients and backends send (room names, user ids, idempotency
 * keys, epochs, entity ids, room patterns): 1-255 bytes of UTF-8, no control characters, well-formed
 * UTF-16. Bounded identifiers bound what the server keeps per room, user and key.
 */
public final class Identifiers {
    public static final int MAX_BYTES = 255;

    private Identifiers() {
    }

    /**
     * @param field the name the caller knows the value by, used in the error message
     * @throws ServerException {@code bad_request} naming the field and the problem
     */
    public static String validate(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw ServerException.badRequest(field + " must be a non-empty string");
        }
        // More chars than the limit in bytes cannot fit; no need to count a huge value.
        if (value.length() > MAX_BYTES || RoomNames.utf8Length(value) > MAX_BYTES) {
            throw ServerException.badRequest(field + " must be at most " + MAX_BYTES + " bytes of UTF-8");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw ServerException.badRequest(field + " must not contain control characters");
            }
            if (Character.isHighSurrogate(c)
                    ? i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(++i))
                    : Character.isLowSurrogate(c)) {
                throw ServerException.badRequest(field + " must be valid UTF-16/UTF-8 text");
            }
        }
        return value;
    }

    /** {@link #validate} unless {@code value} is empty (an optional identifier left out). */
    public static String validateOptional(String field, String value) {
        return value == null || value.isEmpty() ? value : validate(field, value);
    }
}
