package dev.socketserver.message;

import dev.socketserver.error.ServerException;

/** The one rule for room names, shared by every transport: 1-255 bytes of UTF-8, no control characters. */
public final class RoomNames {
    public static final int MAX_BYTES = 255;

    private RoomNames() {
    }

    /** @throws ServerException {@code bad_request} naming the problem */
    public static String validate(String room) {
        if (room == null || room.isEmpty()) {
            throw ServerException.badRequest("room must be a non-empty string");
        }
        if (utf8Length(room) > MAX_BYTES) {
            throw ServerException.badRequest("room must be at most " + MAX_BYTES + " bytes of UTF-8");
        }
        for (int i = 0; i < room.length(); i++) {
            char c = room.charAt(i);
            if (Character.isISOControl(c)) {
                throw ServerException.badRequest("room must not contain control characters");
            }
            if (Character.isHighSurrogate(c)
                    ? i + 1 >= room.length() || !Character.isLowSurrogate(room.charAt(++i))
                    : Character.isLowSurrogate(c)) {
                throw ServerException.badRequest("room must be valid UTF-16/UTF-8 text");
            }
        }
        return room;
    }

    /** The length of {@code s} in UTF-8, without encoding it. */
    public static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // Surrogate pairs count 2+2 = 4 bytes; other non-ASCII chars 2 or 3.
                bytes += c < 0x800 ? 1 : (Character.isSurrogate(c) ? 1 : 2);
            }
        }
        return bytes;
    }
}
