/**
 * The presence seam: who is in a room. {@code presence.memory} holds the single-node default.
 */
package dev.socketserver.presence;
