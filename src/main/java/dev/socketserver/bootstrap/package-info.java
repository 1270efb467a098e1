/**
 * Start-up and shutdown inside the servlet container: reads the configuration, builds the one
 * {@link dev.socketserver.node.Node} as a CDI {@code @ApplicationScoped} runtime shared by the
 * WebSocket and gRPC edges, and drains it on undeploy.
 */
package dev.socketserver.bootstrap;
