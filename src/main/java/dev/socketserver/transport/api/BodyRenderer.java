package dev.socketserver.transport.api;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.BytesValue;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import com.google.protobuf.FloatValue;
import com.google.protobuf.Int32Value;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Json;
import dev.socketserver.transport.grpc.proto.Notifications;
import java.util.Base64;
import java.util.Map;

/**
 * Renders the {@code google.protobuf.Any} body of a notification as one JSON value (protocol
 * v1): {@code StringValue} as a JSON string; {@code Struct}, {@code Value}, {@code ListValue}
 * and the other wrappers as plain JSON; any other type whose descriptor is known as protobuf's
 * JSON mapping with {@code @type}; an unknown type as {@code {"@type":url,"value":base64}}; an
 * empty or absent {@code Any} as {@code null}. Thread-safe.
 */
final class BodyRenderer {
    /** Types rendered as their plain JSON mapping, without {@code @type}. */
    private static final Map<String, Message> PLAIN = Map.ofEntries(
            plain(Struct.getDefaultInstance()), plain(Value.getDefaultInstance()),
            plain(ListValue.getDefaultInstance()), plain(BoolValue.getDefaultInstance()),
            plain(BytesValue.getDefaultInstance()), plain(DoubleValue.getDefaultInstance()),
            plain(FloatValue.getDefaultInstance()), plain(Int32Value.getDefaultInstance()),
            plain(Int64Value.getDefaultInstance()), plain(UInt32Value.getDefaultInstance()),
            plain(UInt64Value.getDefaultInstance()));

    private final JsonFormat.Printer plainPrinter = JsonFormat.printer().omittingInsignificantWhitespace();
    private final JsonFormat.Printer anyPrinter;

    BodyRenderer() {
        this.anyPrinter = JsonFormat.printer().usingTypeRegistry(knownTypes()).omittingInsignificantWhitespace();
    }

    /** The message types this server can name in an {@code Any}: well-known types and this API's. */
    public static JsonFormat.TypeRegistry knownTypes() {
        JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder()
                .add(Notifications.getDescriptor().getMessageTypes());
        for (Descriptor d : new Descriptor[] {Timestamp.getDescriptor(), Duration.getDescriptor(),
                Empty.getDescriptor(), FieldMask.getDescriptor(), Any.getDescriptor(),
                StringValue.getDescriptor()}) {
            registry.add(d);
        }
        PLAIN.values().forEach(m -> registry.add(m.getDescriptorForType()));
        return registry.build();
    }

    private static Map.Entry<String, Message> plain(Message m) {
        return Map.entry(m.getDescriptorForType().getFullName(), m);
    }

    /** @throws ServerException {@code bad_request} when the bytes do not decode as the named type */
    String render(boolean present, Any body) {
        if (!present || body.getTypeUrl().isEmpty()) {
            return "null";
        }
        String typeName = body.getTypeUrl().substring(body.getTypeUrl().lastIndexOf('/') + 1);
        try {
            if (typeName.equals("google.protobuf.StringValue")) {
                return Json.quote(StringValue.parseFrom(body.getValue()).getValue());
            }
            Message plain = PLAIN.get(typeName);
            if (plain != null) {
                return plainPrinter.print(plain.getParserForType().parseFrom(body.getValue()));
            }
            try {
                return anyPrinter.print(body);
            } catch (InvalidProtocolBufferException unknownType) {
                if (!unknownType.getMessage().startsWith("Cannot find type")) {
                    throw unknownType;
                }
                StringBuilder sb = new StringBuilder("{\"@type\":");
                Json.quote(sb, body.getTypeUrl());
                return sb.append(",\"value\":\"")
                        .append(Base64.getEncoder().encodeToString(body.getValue().toByteArray()))
                        .append("\"}").toString();
            }
        } catch (InvalidProtocolBufferException e) {
            throw ServerException.badRequest("message: the bytes are not a valid " + typeName);
        }
    }
}
