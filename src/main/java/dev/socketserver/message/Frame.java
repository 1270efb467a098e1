package dev.socketserver.message;

/**
 * One outbound text frame, rendered once and shared by every recipient.
 *
 * @param text  the JSON text
 * @param bytes its size in UTF-8, the unit of outbound queue accounting
 */
public record Frame(String text, int bytes) {

    public static Frame of(String text) {
        return new Frame(text, utf8Length(text));
    }

    static int utf8Length(String s) {
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
