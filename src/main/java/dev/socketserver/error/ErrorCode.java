package dev.socketserver.error;

/**
 * Stable error codes. The {@link #wire()} word is part of the public protocol (error frames,
 * HTTP JSON bodies): never rename one.
 */
public enum ErrorCode {
    /** The input is malformed or violates a documented rule. */
    BAD_REQUEST("bad_request"),
    /** No credentials, or credentials that do not verify. */
    UNAUTHORIZED("unauthorized"),
    /** Authenticated, but not allowed to do this. */
    FORBIDDEN("forbidden"),
    /** The thing asked for does not exist. */
    NOT_FOUND("not_found"),
    /** A configured size or count limit would be exceeded. */
    LIMIT_EXCEEDED("limit_exceeded"),
    /** A message is larger than anything the server could ever deliver; never retry it as is. */
    TOO_LARGE("too_large"),
    /** A rate limit was hit; retry later. */
    TOO_MANY_REQUESTS("too_many_requests"),
    /** The connection's token expired. */
    TOKEN_EXPIRED("token_expired"),
    /** The node is draining or a dependency is down; retry elsewhere or later. */
    UNAVAILABLE("unavailable"),
    /** A bug or an unexpected failure on the server's side. */
    INTERNAL("internal");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
