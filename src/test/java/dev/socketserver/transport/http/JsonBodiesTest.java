package dev.socketserver.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import com.google.protobuf.Descriptors.Descriptor;
import org.junit.jupiter.api.Test;

/** Issue 12: the HTTP API's 400 texts for bodies that do not fit their message are ours, and name the field. */
class JsonBodiesTest {
    static final Descriptor PUBLISH = PublishRequest.getDescriptor();
    static final Descriptor HISTORY = HistoryRequest.getDescriptor();

    @Test
    void validBodiesPass() {
        assertNull(JsonBodies.problem("{\"room\":\"r\",\"message\":{\"type\":\"TYPE_INFO\",\"entityId\":\"e\","
                + "\"message\":{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"x\"}},\"idempotency_key\":\"k\"}", PUBLISH));
        assertNull(JsonBodies.problem("{\"userId\":\"u\",\"message\":{\"type\":2}}", PUBLISH));
        assertNull(JsonBodies.problem("{\"userId\":\"u\",\"message\":{\"type\":\"2\"}}", PUBLISH));
        assertNull(JsonBodies.problem("{\"all\":{},\"since\":{\"offset\":\"18446744073709551615\",\"epoch\":\"e\"},\"limit\":5,\"reverse\":\"true\"}", HISTORY));
        assertNull(JsonBodies.problem("{\"room\":null}", PUBLISH));
    }

    @Test
    void problemsAreNamedInOurWords() {
        assertEquals("the body is not valid JSON (line 1, column 13)", JsonBodies.problem("{\"room\":\"r\",,}", PUBLISH));
        assertEquals("the body must be a JSON object (a PublishRequest)", JsonBodies.problem("[1]", PUBLISH));
        assertEquals("unknown field \"rooom\" in PublishRequest; its fields: message, all, room, userId, idempotencyKey",
                JsonBodies.problem("{\"rooom\":\"r\"}", PUBLISH));
        assertEquals("unknown field \"message.entity\" in Message; its fields: type, entityId, message",
                JsonBodies.problem("{\"message\":{\"entity\":\"e\"}}", PUBLISH));
        assertEquals("fields \"room\" and \"userId\" are both set; give only one of all, room, userId",
                JsonBodies.problem("{\"room\":\"r\",\"userId\":\"u\"}", PUBLISH));
        assertEquals("field \"room\" must be a string", JsonBodies.problem("{\"room\":5}", PUBLISH));
        assertEquals("field \"message\" must be an object (a Message)", JsonBodies.problem("{\"message\":\"hi\"}", PUBLISH));
        assertEquals("field \"message.type\" must be one of MESSAGE_TYPE_UNSPECIFIED, TYPE_ERROR, TYPE_INFO (or its number)",
                JsonBodies.problem("{\"message\":{\"type\":\"INFO\"}}", PUBLISH));
        assertEquals("field \"limit\" must be a whole number from -2^31 to 2^31-1", JsonBodies.problem("{\"limit\":1e999999999}", HISTORY));
        assertEquals("field \"limit\" must be a whole number from -2^31 to 2^31-1", JsonBodies.problem("{\"limit\":1.5}", HISTORY));
        assertEquals("field \"since.offset\" must be a whole number from 0 to 2^64-1", JsonBodies.problem("{\"since\":{\"offset\":-1}}", HISTORY));
        assertEquals("field \"reverse\" must be true or false", JsonBodies.problem("{\"reverse\":1}", HISTORY));
    }
}
