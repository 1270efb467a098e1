package dev.socketserver.auth;

import dev.socketserver.error.ServerException;

/**
 * Turns a connection token into a {@link Principal}.
 *
 * <p>Contract: thread-safe; never returns {@code null}; a token that is missing, malformed,
 * badly signed, expired, not yet valid or without a {@code sub} throws a
 * {@link ServerException} with code {@code unauthorized} and a message safe to return to the
 * client (it never echoes key material).
 *
 * <p>A verifier may hold resources (the JWKS verifier keeps a key cache and a lazily started
 * daemon refresh thread): whoever creates it calls {@link #close()} when the server stops.
 * Closing is idempotent; verifying after closing is not supported.
 */
public interface TokenVerifier extends AutoCloseable {
    Principal verify(String token) throws ServerException;

    /** Releases background resources, if any. The default holds none. */
    @Override
    default void close() {
    }

    /** A verifier for a server with no authentication configured: refuses everyone. */
    static TokenVerifier refuseAll(String why) {
        return token -> {
            throw new ServerException(dev.socketserver.error.ErrorCode.UNAUTHORIZED, why);
        };
    }
}
