/**
 * The backend API as HTTP/JSON ({@code POST /api/<Method>}, protobuf's JSON mapping) for backends
 * without gRPC: the same methods, validation and API keys as gRPC, errors as HTTP statuses with a
 * JSON body.
 */
package dev.socketserver.transport.http;
