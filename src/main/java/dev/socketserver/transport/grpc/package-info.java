/**
 * The gRPC edge: the old {@code NotificationService} (under both of its names), API-key
 * authentication, and the mapping of {@link dev.socketserver.error.ErrorCode}s to gRPC statuses.
 * Thin glue over {@link dev.socketserver.transport.api.BackendApi}, as the HTTP/JSON transport is.
 */
package dev.socketserver.transport.grpc;
