package dev.socketserver.transport.websocket;

import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Json;
import dev.socketserver.message.StreamPosition;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Parses client frames into {@link Command}s and renders replies. Every problem becomes a
 * {@link CommandException} carrying the command's id (whenever the frame carried a valid one,
 * even if the rest is malformed) and a {@code bad_request}, so the caller can answer with an
 * error frame and keep the connection.
 */
final class CommandCodec {
    private static final Logger LOG = Logger.getLogger(CommandCodec.class.getName());
    private final JsonProvider json = JsonProvider.provider();

    /** A command that could not be parsed or is invalid. */
    static final class CommandException extends Exception {
        final String id;
        final ServerException error;

        CommandException(String id, ServerException error) {
            super(error.getMessage(), null, false, false);
            this.id = id;
            this.error = error;
        }
    }

    /**
     * Parses a frame whose {@code head} (its id and action) {@link CommandHead#scan} found; the
     * id comes from the head, so a frame that turns out malformed is still answered with it.
     */
    Command parse(CommandHead head, String text) throws CommandException {
        JsonValue value;
        try (JsonReader reader = json.createReader(new StringReader(text))) {
            value = reader.readValue();
        } catch (JsonException e) {
            LOG.log(Level.FINE, "malformed command", e);
            throw new CommandException(head.id(), ServerException.badRequest("malformed JSON"));
        } catch (RuntimeException e) {
            // Parsson reports its safety limits (nesting depth, number size) as plain runtime
            // exceptions; their text is the parser's, so it goes to the log only.
            LOG.log(Level.FINE, "command beyond a parser limit", e);
            throw new CommandException(head.id(), ServerException.badRequest(
                    "JSON exceeds a parser limit (nesting depth or number size)"));
        }
        if (!(value instanceof JsonObject obj)) {
            throw new CommandException(null, ServerException.badRequest("a command must be a JSON object"));
        }
        if (head.idProblem() != null) {
            throw new CommandException(null, ServerException.badRequest(head.idProblem()));
        }
        String id = head.id();
        JsonValue action = obj.get("action");
        if (!(action instanceof JsonString a)) {
            throw new CommandException(id, ServerException.badRequest("action must be a string"));
        }
        return switch (a.getString()) {
            case "enter" -> new Command.Enter(id, string(obj, "room", id), since(obj, id));
            case "leave" -> new Command.Leave(id, string(obj, "room", id));
            case "ping" -> new Command.Ping(id);
            case "refresh" -> new Command.Refresh(id, string(obj, "token", id));
            default -> throw new CommandException(id,
                    ServerException.badRequest("unknown action; expected enter, leave, ping or refresh"));
        };
    }

    private static StreamPosition since(JsonObject obj, String id) throws CommandException {
        JsonValue v = obj.get("since");
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v instanceof JsonObject s && s.get("offset") instanceof JsonNumber n && n.isIntegral()
                && s.get("epoch") instanceof JsonString e) {
            try {
                long offset = n.longValueExact();
                if (offset >= 0) {
                    return new StreamPosition(offset, e.getString());
                }
            } catch (ArithmeticException tooBig) {
                // falls through to the error
            }
        }
        throw new CommandException(id, ServerException.badRequest(
                "since must be {\"offset\":<non-negative integer>,\"epoch\":\"<string>\"}"));
    }

    /** Parses {@code <offset>:<epoch>} (handshake recovery parameters); {@code null} if malformed. */
    static StreamPosition position(String raw) {
        int colon = raw.indexOf(':');
        if (colon <= 0 || colon == raw.length() - 1) {
            return null;
        }
        try {
            long offset = Long.parseLong(raw.substring(0, colon));
            return offset < 0 ? null : new StreamPosition(offset, raw.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code ,"offset":N,"epoch":"E"} or nothing. */
    static String positionFields(StreamPosition p) {
        if (p == null) {
            return "";
        }
        return Json.quote(new StringBuilder(",\"offset\":").append(p.offset()).append(",\"epoch\":"), p.epoch()).toString();
    }

    private static String string(JsonObject obj, String field, String id) throws CommandException {
        JsonValue v = obj.get(field);
        if (v instanceof JsonString s && !s.getString().isEmpty()) {
            return s.getString();
        }
        throw new CommandException(id, ServerException.badRequest(field + " must be a non-empty string"));
    }

    /** {@code {"id":7,"ok":true<extra>}}; {@code extra} is pre-rendered members starting with a comma. */
    static String ok(String id, String extra) {
        StringBuilder sb = new StringBuilder(32);
        sb.append('{');
        if (id != null) {
            sb.append("\"id\":").append(id).append(',');
        }
        return sb.append("\"ok\":true").append(extra).append('}').toString();
    }

    /** {@code {"id":7,"error":{"code":"forbidden","message":"..."}}}, id omitted when absent. */
    static String error(String id, ErrorCode code, String message) {
        StringBuilder sb = new StringBuilder(64);
        sb.append('{');
        if (id != null) {
            sb.append("\"id\":").append(id).append(',');
        }
        sb.append("\"error\":{\"code\":");
        Json.quote(sb, code.wire()).append(",\"message\":");
        return Json.quote(sb, message).append("}}").toString();
    }
}
