package dev.socketserver.hub;

/**
 * Why the server closes a connection. The close codes are public protocol: 1001 and 4000-4499
 * mean "reconnect (and recover)", 4500-4999 mean "do not reconnect without a change".
 */
public enum Disconnect {
    /** Shutdown or undeploy. */
    GOING_AWAY(1001, "server going away"),
    /** An inbound frame exceeded the size limit. */
    MESSAGE_TOO_BIG(1009, "message too big"),
    /** An unexpected server error on this connection. */
    SERVER_ERROR(1011, "internal error"),
    /** The token expired and no refresh arrived in time. */
    TOKEN_EXPIRED(4001, "token expired, reconnect"),
    /** The outbound queue exceeded {@code CLIENT_QUEUE_MAX_BYTES}. */
    SLOW_CONSUMER(4002, "slow consumer"),
    /** No pong within {@code PONG_TIMEOUT} of a server ping. */
    NO_PONG(4003, "no pong"),
    /** Sustained command rate above the limit. */
    TOO_MANY_REQUESTS(4004, "too many requests"),
    /** The backend asked the client to reconnect. */
    FORCE_RECONNECT(4005, "reconnect"),
    /**
     * The server cannot vouch for a stream this connection follows (a missing offset, a failed
     * replay, a lost link to the engine): reconnect and recover from the last position seen.
     */
    STREAM_GAP(4006, "missed notifications, reconnect and recover"),
    /** The token is no longer valid (e.g. a refresh for another user). */
    INVALID_TOKEN(4501, "invalid token"),
    /** Too many malformed commands. */
    BAD_REQUESTS(4502, "too many bad requests"),
    /** The backend disconnected this user. */
    DISCONNECTED(4503, "disconnected by the server"),
    /** Over a connection limit. */
    CONNECTION_LIMIT(4504, "connection limit reached");

    private final int code;
    private final String reason;

    Disconnect(int code, String reason) {
        this.code = code;
        this.reason = reason;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** Whether a client should reconnect (and recover) after this close. */
    public boolean reconnect() {
        return code < 4500;
    }
}
