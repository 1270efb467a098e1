package dev.socketserver.message;

import java.nio.charset.StandardCharsets;

/**
 * One outbound text frame, rendered and encoded once and shared by every recipient: transports
 * that take bytes write {@link #utf8()} as is, the others send {@link #text()}.
 *
 * @param text the JSON text
 * @param utf8 the same text in UTF-8; never modified after construction
 */
public record Frame(String text, byte[] utf8) {

    public static Frame of(String text) {
        return new Frame(text, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Its size in UTF-8, the unit of outbound queue accounting. */
    public int bytes() {
        return utf8.length;
    }
}
