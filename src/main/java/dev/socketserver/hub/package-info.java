/**
 * This node's live connections: the transport-independent {@link dev.socketserver.hub.Client}
 * with its bounded outbound queue and single writer, and the {@link dev.socketserver.hub.Hub}
 * index of clients by id, user and room.
 */
package dev.socketserver.hub;
