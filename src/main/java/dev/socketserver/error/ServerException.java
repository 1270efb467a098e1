package dev.socketserver.error;

import java.util.Objects;

/** A failure with a stable {@link ErrorCode} and a message safe to show to the caller. */
public class ServerException extends RuntimeException {
    private final ErrorCode code;

    public ServerException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public static ServerException badRequest(String message) {
        return new ServerException(ErrorCode.BAD_REQUEST, message);
    }
}
