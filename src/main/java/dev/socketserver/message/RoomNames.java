package dev.socketserver.message;

/** The rule for room names, shared by every transport: that of every {@link Identifiers identifier}. */
public final class RoomNames {
    public static final int MAX_BYTES = Identifiers.MAX_BYTES;

    private RoomNames() {
    }

    /** @throws ServerException {@code bad_request} naming the problem (see {@link Identifiers}) */
    public static String validate(String room) {
        return Identifiers.validate("room", room);
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
