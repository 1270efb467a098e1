package dev.socketserver.message;

import java.util.Objects;

/**
 * A notification accepted by the broker for one stream, with the position it was given.
 *
 * @param position the stream position, or {@code null} when the stream keeps no history
 */
public record Publication(Target target, Notification notification, StreamPosition position) {
    public Publication {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(notification, "notification");
    }
}
