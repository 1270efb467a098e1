/**
 * The backend API in its protobuf types, transport-free: {@link dev.socketserver.transport.api.BackendApi}
 * maps requests to the core's values, calls {@link dev.socketserver.node.Node}, and maps results
 * back; the rendering of protobuf bodies to the JSON clients receive lives here too. The gRPC and
 * HTTP/JSON transports are siblings over it.
 */
package dev.socketserver.transport.api;
