/**
 * The WebSocket edge (protocol v1). A servlet at {@code /ws} authenticates the handshake and
 * answers 401/403/503 before any upgrade, then upgrades programmatically
 * ({@code ServerContainer.upgradeHttpToWebSocket}) to a per-connection
 * {@link jakarta.websocket.Endpoint} that adapts the {@code Session} to a core
 * {@link dev.socketserver.hub.Transport}. JSON commands are parsed here and nowhere else.
 */
package dev.socketserver.transport.websocket;
