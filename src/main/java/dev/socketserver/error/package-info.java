/**
 * Typed errors with stable codes. The core throws {@link dev.socketserver.error.ServerException};
 * only transports map an {@link dev.socketserver.error.ErrorCode} to a gRPC status, an HTTP
 * status or a WebSocket error frame.
 */
package dev.socketserver.error;
