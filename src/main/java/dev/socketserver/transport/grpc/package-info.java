/**
 * The gRPC edge: the old {@code NotificationService} (under both of its names), API-key
 * authentication, the rendering of protobuf bodies to JSON, and the mapping of
 * {@link dev.socketserver.error.ErrorCode}s to gRPC statuses. Thin glue over
 * {@link dev.socketserver.node.Node}.
 */
package dev.socketserver.transport.grpc;
