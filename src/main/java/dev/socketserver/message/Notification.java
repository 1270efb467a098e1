package dev.socketserver.message;

import java.util.Objects;

/**
 * What a backend publishes.
 *
 * @param type     {@code "info"}, {@code "error"} or {@code ""} (unspecified), as the old server
 *                 rendered its {@code MessageType}
 * @param entityId free-form id of the entity the notification is about
 * @param bodyJson the body, already rendered as one JSON value ({@code null} is the JSON literal
 *                 {@code null}); transports render their native body formats once, at the edge
 */
public record Notification(String type, String entityId, String bodyJson) {
    public Notification {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entityId, "entityId");
        Objects.requireNonNull(bodyJson, "bodyJson");
    }
}
