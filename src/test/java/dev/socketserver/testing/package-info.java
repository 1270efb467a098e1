/**
 * Test support: the real WAR in embedded Jetty on port 0 (HTTP/1.1, WebSocket and h2c gRPC on
 * one connector), a real WebSocket client, a real gRPC client and token minting.
 */
package dev.socketserver.testing;
