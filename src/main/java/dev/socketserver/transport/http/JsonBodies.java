package dev.socketserver.transport.http;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Our reading of an HTTP API body against its method's request message, so that a 400 says in
 * our words what is wrong (not valid JSON, an unknown field, a value of the wrong kind, two
 * targets) instead of passing on the protobuf JSON parser's texts. Field names are the
 * message's own (the JSON name, {@code userId}, or the proto name, {@code user_id}, both
 * accepted as by the parser). The well-known types ({@code google.protobuf.Any}, {@code Empty},
 * {@code Value}, ...) have JSON forms of their own and are left to the parser.
 */
final class JsonBodies {
    private static final JsonProvider JSON = JsonProvider.provider();
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private JsonBodies() {
    }

    /** What is wrong with {@code json} as a {@code type}, or null when this check finds nothing. */
    static String problem(String json, Descriptor type) {
        JsonValue value;
        try (JsonReader reader = JSON.createReader(new StringReader(json))) {
            value = reader.readValue();
        } catch (JsonParsingException e) {
            return e.getLocation() == null ? "the body is not valid JSON" : "the body is not valid JSON (line "
                    + e.getLocation().getLineNumber() + ", column " + e.getLocation().getColumnNumber() + ")";
        } catch (JsonException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
            return "the body is not valid JSON";
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            return "the body must be a JSON object (a " + type.getName() + ")";
        }
        return problem(value.asJsonObject(), type, "");
    }

    private static String problem(JsonObject object, Descriptor type, String path) {
        Map<OneofDescriptor, String> oneofs = new HashMap<>();
        for (Map.Entry<String, JsonValue> e : object.entrySet()) {
            String name = path + e.getKey();
            FieldDescriptor field = field(type, e.getKey());
            if (field == null) {
                return "unknown field \"" + name + "\" in " + type.getName() + "; its fields: "
                        + type.getFields().stream().map(FieldDescriptor::getJsonName).collect(Collectors.joining(", "));
            }
            if (e.getValue().getValueType() == JsonValue.ValueType.NULL) {
                continue; // the field's default, as the parser reads it
            }
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                String other = oneofs.put(oneof, name);
                if (other != null) {
                    return "fields \"" + other + "\" and \"" + name + "\" are both set; give only one of "
                            + oneof.getFields().stream().map(FieldDescriptor::getJsonName).collect(Collectors.joining(", "));
                }
            }
            String wrong = field.isMapField() ? kind(e.getValue(), JsonValue.ValueType.OBJECT, "an object")
                    : field.isRepeated() ? repeated(e.getValue(), field, name)
                    : value(e.getValue(), field, name);
            if (wrong != null) {
                return whole(wrong) ? wrong : "field \"" + name + "\" must be " + wrong;
            }
        }
        return null;
    }

    /** Whether {@code problem} is a whole message (from a nested object), not what a value should have been. */
    private static boolean whole(String problem) {
        return problem.startsWith("field") || problem.startsWith("unknown field");
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        for (FieldDescriptor f : type.getFields()) {
            if (f.getJsonName().equals(name) || f.getName().equals(name)) {
                return f;
            }
        }
        return null;
    }

    private static String repeated(JsonValue v, FieldDescriptor field, String name) {
        if (v.getValueType() != JsonValue.ValueType.ARRAY) {
            return "an array";
        }
        int i = 0;
        for (JsonValue item : v.asJsonArray()) {
            String wrong = value(item, field, name + "[" + i + "]");
            if (wrong != null) {
                return whole(wrong) ? wrong : "field \"" + name + "[" + i + "]\" must be " + wrong;
            }
            i++;
        }
        return null;
    }

    /** What {@code v} should have been for one value of {@code field}, a whole message for a nested problem, or null. */
    private static String value(JsonValue v, FieldDescriptor field, String name) {
        return switch (field.getJavaType()) {
            case STRING, BYTE_STRING -> kind(v, JsonValue.ValueType.STRING, "a string");
            case BOOLEAN -> v.getValueType() == JsonValue.ValueType.TRUE || v.getValueType() == JsonValue.ValueType.FALSE
                    || v instanceof JsonString b && (b.getString().equals("true") || b.getString().equals("false"))
                    ? null : "true or false";
            case INT, LONG -> integer(v, field);
            case FLOAT, DOUBLE -> v.getValueType() == JsonValue.ValueType.NUMBER || v.getValueType() == JsonValue.ValueType.STRING
                    ? null : "a number";
            case ENUM -> enumValue(v, field);
            case MESSAGE -> {
                Descriptor t = field.getMessageType();
                if (t.getFile().getPackage().equals("google.protobuf")) {
                    yield null; // Any, Empty, Value, ...: their own JSON forms, checked by the parser
                }
                if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                    yield "an object (a " + t.getName() + ")";
                }
                yield problem(v.asJsonObject(), t, name + ".");
            }
        };
    }

    private static String kind(JsonValue v, JsonValue.ValueType type, String what) {
        return v.getValueType() == type ? null : what;
    }

    /** An integral number (or a string of one, as protobuf's JSON mapping allows) within the field's range. */
    private static String integer(JsonValue v, FieldDescriptor field) {
        boolean unsigned = switch (field.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
        boolean wide = field.getJavaType() == FieldDescriptor.JavaType.LONG;
        String range = unsigned ? (wide ? "0 to 2^64-1" : "0 to 2^32-1") : (wide ? "-2^63 to 2^63-1" : "-2^31 to 2^31-1");
        String what = "a whole number from " + range;
        BigInteger n;
        try {
            BigDecimal d = switch (v.getValueType()) {
                case NUMBER -> ((JsonNumber) v).bigDecimalValue();
                case STRING -> new BigDecimal(((JsonString) v).getString());
                default -> null;
            };
            if (d == null || d.scale() > 0 && d.stripTrailingZeros().scale() > 0 || d.abs().compareTo(BigDecimal.TEN.pow(20)) > 0) {
                return what;
            }
            n = d.toBigIntegerExact();
        } catch (RuntimeException e) { // not a number, or beyond the JSON reader's number limits
            return what;
        }
        BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(wide ? 63 : 31).negate();
        BigInteger max = unsigned ? (wide ? MAX_UINT64 : BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE))
                : BigInteger.ONE.shiftLeft(wide ? 63 : 31).subtract(BigInteger.ONE);
        return n.compareTo(min) < 0 || n.compareTo(max) > 0 ? what : null;
    }

    private static String enumValue(JsonValue v, FieldDescriptor field) {
        String names = field.getEnumType().getValues().stream().map(EnumValueDescriptor::getName).collect(Collectors.joining(", "));
        if (v.getValueType() == JsonValue.ValueType.STRING) {
            String name = ((JsonString) v).getString();
            return field.getEnumType().findValueByName(name) != null || name.matches("-?\\d{1,10}") ? null : "one of " + names + " (or its number)";
        }
        if (v.getValueType() == JsonValue.ValueType.NUMBER && ((JsonNumber) v).isIntegral()) {
            return null;
        }
        return "one of " + names + " (or its number)";
    }
}
