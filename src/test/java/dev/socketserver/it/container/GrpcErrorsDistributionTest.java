package dev.socketserver.it.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.UnknownFieldSet;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.transport.grpc.GrpcEndpoint;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.StreamPosition;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error a gRPC client can get from the WAR in a stock container, with the exact status
 * code and description: each RPC's bad input (INVALID_ARGUMENT), a missing or wrong API key on
 * every method (UNAUTHENTICATED), a message over {@code MAX_PUBLISH_BYTES}
 * (RESOURCE_EXHAUSTED), an unknown method (UNIMPLEMENTED), the HTTP API's NOT_FOUND, deadline
 * and cancellation, a grpc-js client (so the wire format is checked, not only grpc-java's
 * reading of it; gRPC's C core too, which Tomcat 11.0.24 refuses) and, last, what callers get while the node stops. Tomcat needs
 * {@code HeadersFirstResponse} for all of these: without it every status above arrives as
 * INTERNAL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class GrpcErrorsDistributionTest extends StockContainerTest {
    /** {@code MAX_PUBLISH_BYTES}' default, enforced by grpc-servlet as the largest inbound message. */
    static final int MAX_PUBLISH_BYTES = 1 << 20;
    static final String MISSING_KEY = "missing API key: send 'authorization: Bearer <key>'";
    static final String WRONG_KEY = "invalid API key";
    static final String NO_TARGET = "a target is required: all, room or userId";
    static final String EMPTY_USER = "userId must be a non-empty string";
    static final String EMPTY_ROOM = "room must be a non-empty string";
    static final String LONG_ROOM = "room must be at most 255 bytes of UTF-8";
    static final String CONTROL_ROOM = "room must not contain control characters";
    static final String LONG_ENTITY = "entityId must be at most 255 bytes of UTF-8";
    static final String CONTROL_ENTITY = "entityId must not contain control characters";
    static final String BAD_BODY = "message: the bytes are not a valid google.protobuf.StringValue";
    static final String UNKNOWN_METHOD = "notifications.NotificationService/NoSuchMethod";



    /**
     * The status a call to a service the WAR does not serve gets: the container answers the
     * path itself (no gRPC servlet is mapped there), with an HTTP error that clients map.
     */
    abstract Status.Code unknownServiceCode();

    /** The HTTP status the container answers an unknown service path with. */
    abstract int unknownServiceHttpStatus();

    /** A status the call must end with; the failure message names the call. */
    static void assertStatus(Status.Code code, String description, String call, Runnable invoke) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, invoke::run, call + " succeeded");
        assertEquals(code, e.getStatus().getCode(), call + ": " + e.getStatus());
        assertEquals(description, e.getStatus().getDescription(), call + ": " + e.getStatus());
    }

    NotificationServiceGrpc.NotificationServiceBlockingStub api() {
        return grpc.stub();
    }

    /** The old contract's service name ({@code notificationspb.NotificationService}). */
    dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.NotificationServiceBlockingStub oldApi() {
        return dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.newBlockingStub(grpc.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS).withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY));
    }

    /** A body whose bytes do not decode as the type it names. */
    static Message badBody() {
        return Message.newBuilder().setEntityId("e").setMessage(Any.newBuilder()
                .setTypeUrl("type.googleapis.com/google.protobuf.StringValue")
                .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x05, 'a'}))).build();
    }

    static Arguments invalid(String call, String description, Consumer<GrpcErrorsDistributionTest> invoke) {
        return arguments(call, description, invoke);
    }

    /** Each RPC of the README's table with each kind of bad input it can get. */
    static Stream<Arguments> invalidRequests() {
        String longRoom = "r".repeat(256);
        return Stream.of(
                invalid("Broadcast(undecodable body)", BAD_BODY, t -> t.api().broadcast(badBody())),
                invalid("NotifyRoom(room: \"\")", "room is present but empty; omit it to notify everyone",
                        t -> t.api().notifyRoom(MessageWithRoom.newBuilder().setRoom("").build())),
                invalid("NotifyRoom(room of 256 bytes)", LONG_ROOM,
                        t -> t.api().notifyRoom(MessageWithRoom.newBuilder().setRoom(longRoom).build())),
                invalid("NotifyRoom(room with a control character)", CONTROL_ROOM,
                        t -> t.api().notifyRoom(MessageWithRoom.newBuilder().setRoom("a\u0001b").build())),
                invalid("NotifyRoom(undecodable body)", BAD_BODY,
                        t -> t.api().notifyRoom(MessageWithRoom.newBuilder().setBase(badBody()).setRoom("r").build())),
                invalid("PrivateNotify(userId: \"\")", EMPTY_USER,
                        t -> t.api().privateNotify(MessageWithUser.newBuilder().setUserId("").build())),
                invalid("PrivateNotify(undecodable body)", BAD_BODY,
                        t -> t.api().privateNotify(MessageWithUser.newBuilder().setBase(badBody()).setUserId("u").build())),
                invalid("Publish(no target)", NO_TARGET, t -> t.api().publish(PublishRequest.getDefaultInstance())),
                invalid("Publish(room: \"\")", EMPTY_ROOM, t -> t.api().publish(PublishRequest.newBuilder().setRoom("").build())),
                invalid("Publish(room of 256 bytes)", LONG_ROOM,
                        t -> t.api().publish(PublishRequest.newBuilder().setRoom(longRoom).build())),
                invalid("Publish(userId: \"\")", EMPTY_USER,
                        t -> t.api().publish(PublishRequest.newBuilder().setUserId("").build())),
                invalid("Publish(idempotencyKey of 256 bytes)", "idempotencyKey must be at most 255 bytes of UTF-8",
                        t -> t.api().publish(PublishRequest.newBuilder().setAll(Empty.getDefaultInstance())
                                .setIdempotencyKey("k".repeat(256)).build())),
                invalid("Publish(undecodable body)", BAD_BODY,
                        t -> t.api().publish(PublishRequest.newBuilder().setAll(Empty.getDefaultInstance())
                                .setMessage(badBody()).build())),
                invalid("History(no target)", NO_TARGET, t -> t.api().history(HistoryRequest.getDefaultInstance())),
                invalid("History(limit: -1)", "limit must be >= 0",
                        t -> t.api().history(HistoryRequest.newBuilder().setAll(Empty.getDefaultInstance()).setLimit(-1).build())),
                invalid("History(room: \"\")", EMPTY_ROOM, t -> t.api().history(HistoryRequest.newBuilder().setRoom("").build())),
                invalid("History(room with a control character)", CONTROL_ROOM,
                        t -> t.api().history(HistoryRequest.newBuilder().setRoom("a\nb").build())),
                invalid("History(userId: \"\")", EMPTY_USER,
                        t -> t.api().history(HistoryRequest.newBuilder().setUserId("").build())),
                invalid("History(since.epoch with a control character)", "since.epoch must not contain control characters",
                        t -> t.api().history(HistoryRequest.newBuilder().setAll(Empty.getDefaultInstance())
                                .setSince(StreamPosition.newBuilder().setOffset(1).setEpoch("e\u0007")).build())),
                invalid("History(since.epoch of 256 bytes)", "since.epoch must be at most 255 bytes of UTF-8",
                        t -> t.api().history(HistoryRequest.newBuilder().setRoom("r")
                                .setSince(StreamPosition.newBuilder().setEpoch(longRoom)).build())),
                invalid("Broadcast(entityId with a control character)", CONTROL_ENTITY,
                        t -> t.api().broadcast(Message.newBuilder().setEntityId("a\tb").build())),
                invalid("Broadcast(entityId of 256 bytes)", LONG_ENTITY,
                        t -> t.api().broadcast(Message.newBuilder().setEntityId("e".repeat(256)).build())),
                invalid("NotifyRoom(entityId with a control character)", CONTROL_ENTITY,
                        t -> t.api().notifyRoom(MessageWithRoom.newBuilder().setRoom("r")
                                .setBase(Message.newBuilder().setEntityId("\u0000")).build())),
                invalid("PrivateNotify(entityId of 256 bytes)", LONG_ENTITY,
                        t -> t.api().privateNotify(MessageWithUser.newBuilder().setUserId("u")
                                .setBase(Message.newBuilder().setEntityId("\u00e9".repeat(128))).build())),
                invalid("Publish(entityId with a control character)", CONTROL_ENTITY,
                        t -> t.api().publish(PublishRequest.newBuilder().setRoom("r")
                                .setMessage(Message.newBuilder().setEntityId("x\u009fy")).build())),
                invalid("Rooms(pattern with a control character)", "pattern must not contain control characters",
                        t -> t.api().rooms(RoomsRequest.newBuilder().setPattern("chat:\n*").build())),
                invalid("Rooms(pattern of 256 bytes)", "pattern must be at most 255 bytes of UTF-8",
                        t -> t.api().rooms(RoomsRequest.newBuilder().setPattern("*".repeat(256)).build())),
                invalid("Presence(room: \"\")", EMPTY_ROOM, t -> t.api().presence(PresenceRequest.getDefaultInstance())),
                invalid("Presence(room of 256 bytes)", LONG_ROOM,
                        t -> t.api().presence(PresenceRequest.newBuilder().setRoom(longRoom).build())),
                invalid("PresenceStats(room: \"\")", EMPTY_ROOM,
                        t -> t.api().presenceStats(PresenceStatsRequest.getDefaultInstance())),
                invalid("Subscribe(userId: \"\")", EMPTY_USER,
                        t -> t.api().subscribe(SubscribeRequest.newBuilder().setRoom("r").build())),
                invalid("Subscribe(room: \"\")", EMPTY_ROOM,
                        t -> t.api().subscribe(SubscribeRequest.newBuilder().setUserId("u").build())),
                invalid("Unsubscribe(userId: \"\")", EMPTY_USER,
                        t -> t.api().unsubscribe(UnsubscribeRequest.newBuilder().setRoom("r").build())),
                invalid("Unsubscribe(room with a control character)", CONTROL_ROOM,
                        t -> t.api().unsubscribe(UnsubscribeRequest.newBuilder().setUserId("u").setRoom("\u007f").build())),
                invalid("Disconnect(userId: \"\")", EMPTY_USER, t -> t.api().disconnect(DisconnectRequest.getDefaultInstance())),
                invalid("notificationspb.Broadcast(undecodable body)", BAD_BODY, t -> t.oldApi().broadcast(badBody())),
                invalid("notificationspb.NotifyRoom(room: \"\")", "room is present but empty; omit it to notify everyone",
                        t -> t.oldApi().notifyRoom(MessageWithRoom.newBuilder().setRoom("").build())),
                invalid("notificationspb.PrivateNotify(userId: \"\")", EMPTY_USER,
                        t -> t.oldApi().privateNotify(MessageWithUser.newBuilder().setUserId("").build())));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void badInputIsInvalidArgumentWithTheReason(String call, String description, Consumer<GrpcErrorsDistributionTest> invoke) {
        assertStatus(Status.Code.INVALID_ARGUMENT, description, call, () -> invoke.accept(this));
    }

    /**
     * Text that is not well-formed: JSON can carry a lone surrogate (an escape such as
     * {@code \\ud800}), so the HTTP API is where the rule's UTF-16 half is reached; every
     * identifier field gets the same description.
     */
    static Stream<Arguments> malformedText() {
        return Stream.of(
                arguments("Publish", "{\"room\":\"a\\ud800\",\"message\":{\"entityId\":\"e\"}}", "room must be valid UTF-16/UTF-8 text"),
                arguments("PrivateNotify", "{\"userId\":\"\\udc00u\"}", "userId must be valid UTF-16/UTF-8 text"),
                arguments("Broadcast", "{\"entityId\":\"\\ud83d\"}", "entityId must be valid UTF-16/UTF-8 text"),
                arguments("Publish", "{\"all\":{},\"idempotencyKey\":\"k\\ud800k\"}", "idempotencyKey must be valid UTF-16/UTF-8 text"),
                arguments("History", "{\"all\":{},\"since\":{\"offset\":\"1\",\"epoch\":\"\\udfff\"}}", "since.epoch must be valid UTF-16/UTF-8 text"),
                arguments("Rooms", "{\"pattern\":\"chat:*\\ud800\"}", "pattern must be valid UTF-16/UTF-8 text"));
    }

    @Order(1)
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedText")
    void malformedTextIsABadRequestNamingTheField(String method, String json, String description) {
        HttpApi.Response r = HttpApi.post(server.httpPort(), method, json);
        assertEquals(400, r.status(), method + " " + json + ": " + r.body());
        assertEquals("bad_request", r.body().getJsonObject("error").getString("code"));
        assertEquals(description, r.body().getJsonObject("error").getString("message"));
    }

    /**
     * gRPC's half: protobuf decodes a proto3 string only from well-formed UTF-8 (a Java or
     * JavaScript client cannot even encode a lone surrogate; protobuf-java sends {@code ?}), so
     * bytes that are not UTF-8 fail in grpc-java's parser, before the service sees the request:
     * not INVALID_ARGUMENT but UNKNOWN, which the application cannot change without parsing
     * requests itself (a known limitation, in the README).
     */
    @Test
    @Order(1)
    void bytesThatAreNotUtf8AreRefusedBeforeTheService() {
        MethodDescriptor<byte[], Empty> raw = MethodDescriptor.<byte[], Empty>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(NotificationServiceGrpc.getNotifyRoomMethod().getFullMethodName())
                .setRequestMarshaller(new RawBytes())
                .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance())).build();
        // MessageWithRoom { room (field 2) = C3 28 }: a two-byte sequence cut short.
        byte[] request = {0x12, 0x02, (byte) 0xc3, 0x28};
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)
                .withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(grpc.channel(), raw, options, request));
        // grpc-java's server turns any failure to parse a request into this status; the service
        // (and so the identifier rule's description) is never reached. README, "Backend API".
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals("Application error processing RPC", e.getStatus().getDescription());
        // The same call with the bytes well-formed reaches the service.
        ClientCalls.blockingUnaryCall(grpc.channel(), raw, options, new byte[] {0x12, 0x02, (byte) 0xc3, (byte) 0xa9});
    }

    /** Sends the given bytes as the request message. */
    static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public java.io.InputStream stream(byte[] value) {
            return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(java.io.InputStream stream) {
            throw new UnsupportedOperationException();
        }
    }

    /** Every method of both services, with no key and with a wrong one. */
    static Stream<Arguments> everyMethodWithoutAValidKey() {
        return Stream.of(NotificationServiceGrpc.getServiceDescriptor(),
                        dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.getServiceDescriptor())
                .flatMap(service -> service.getMethods().stream())
                .flatMap(method -> Stream.of(
                        arguments(method.getFullMethodName() + " without a key", method, null, MISSING_KEY),
                        arguments(method.getFullMethodName() + " with a wrong key", method, "not-the-key", WRONG_KEY)));
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @MethodSource("everyMethodWithoutAValidKey")
    void everyMethodRefusesAMissingOrWrongKey(String call, MethodDescriptor<?, ?> method, String key, String description) {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        CallOptions withKey = key == null ? options : options.withCallCredentials(GrpcClient.bearer(key));
        assertStatus(Status.Code.UNAUTHENTICATED, description, call, () -> callWithDefaultRequest(method, withKey));
    }

    @SuppressWarnings("unchecked")
    private void callWithDefaultRequest(MethodDescriptor<?, ?> method, CallOptions options) {
        MethodDescriptor<Object, Object> m = (MethodDescriptor<Object, Object>) method;
        Object request = ((MethodDescriptor.PrototypeMarshaller<Object>) m.getRequestMarshaller()).getMessagePrototype();
        ClientCalls.blockingUnaryCall(grpc.channel(), m, options, request);
    }

    /**
     * A Message whose encoding is exactly {@code bytes} long: a short entityId (identifiers are
     * limited to 255 bytes) and an unknown length-delimited field as padding (tag + 3-byte length),
     * which the server ignores, so the rendered frame stays small (no {@code too_large}).
     */
    static Message messageOfSize(int bytes) {
        int padding = bytes - 3 - 4;
        Message m = Message.newBuilder().setEntityId("e")
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(15, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFrom(new byte[padding])).build()).build())
                .build();
        assertEquals(bytes, m.getSerializedSize());
        return m;
    }

    @Test
    @Order(3)
    void aMessageOverMaxPublishBytesIsResourceExhausted() {
        api().broadcast(messageOfSize(MAX_PUBLISH_BYTES));
        String over = "gRPC message exceeds maximum size " + MAX_PUBLISH_BYTES + ": " + (MAX_PUBLISH_BYTES + 1);
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, over, "Broadcast of MAX_PUBLISH_BYTES + 1",
                () -> api().broadcast(messageOfSize(MAX_PUBLISH_BYTES + 1)));
        PublishRequest big = PublishRequest.newBuilder().setAll(Empty.getDefaultInstance())
                .setMessage(Message.newBuilder().setEntityId("x".repeat(MAX_PUBLISH_BYTES))).build();
        assertStatus(Status.Code.RESOURCE_EXHAUSTED,
                "gRPC message exceeds maximum size " + MAX_PUBLISH_BYTES + ": " + big.getSerializedSize(),
                "Publish over MAX_PUBLISH_BYTES", () -> api().publish(big));
    }

    /**
     * Under MAX_PUBLISH_BYTES, but JSON escaping makes its frame larger than
     * CLIENT_QUEUE_MAX_BYTES (1 MiB): refused by the application, not the transport.
     */
    @Test
    @Order(3)
    void aNotificationNoClientCouldReceiveIsResourceExhaustedWithItsRenderedSize() {
        Message escaped = GrpcClient.info("e", "\u0001".repeat(200_000)); // each renders as \\u0001, 6 bytes
        assertTrue(escaped.getSerializedSize() < MAX_PUBLISH_BYTES);
        for (Runnable call : List.<Runnable>of(() -> api().broadcast(escaped),
                () -> api().notifyRoom(MessageWithRoom.newBuilder().setBase(escaped).setRoom("r").build()))) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
            String description = e.getStatus().getDescription();
            assertTrue(description.matches("the notification renders to a frame of 12\\d{5} bytes \\(position included\\); "
                    + "no connection may queue more than 1048576 bytes \\(CLIENT_QUEUE_MAX_BYTES\\)"), description);
        }
    }

    static MethodDescriptor<Empty, Empty> emptyMethod(String fullName) {
        return MethodDescriptor.<Empty, Empty>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName)
                .setRequestMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(Empty.getDefaultInstance())).build();
    }

    @Test
    @Order(4)
    void anUnknownMethodIsUnimplementedAndAnUnknownServiceIsTheContainersHttpError() {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)
                .withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY));
        assertStatus(Status.Code.UNIMPLEMENTED, "Method not found: " + UNKNOWN_METHOD, UNKNOWN_METHOD,
                () -> ClientCalls.blockingUnaryCall(grpc.channel(), emptyMethod(UNKNOWN_METHOD), options, Empty.getDefaultInstance()));
        // No gRPC servlet is mapped there: grpc-java maps the container's HTTP error (its
        // description goes on with the response's content type, headers and body).
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                grpc.channel(), emptyMethod("no.such.Service/Call"), options, Empty.getDefaultInstance()));
        assertEquals(unknownServiceCode(), e.getStatus().getCode(), e.getStatus().toString());
        assertEquals("HTTP status code " + unknownServiceHttpStatus(), e.getStatus().getDescription().lines().findFirst().orElseThrow());
    }

    @Test
    @Order(5)
    void theHttpApiAnswersAnUnknownMethodWithNotFound() {
        HttpApi.Response r = HttpApi.post(server.httpPort(), "NoSuchMethod", "{}");
        assertEquals(404, r.status());
        assertEquals("not_found", r.body().getJsonObject("error").getString("code"));
        assertTrue(r.body().getJsonObject("error").getString("message").startsWith("unknown method 'NoSuchMethod'; one of ["),
                r.body().toString());
    }

    /** Starts a Broadcast whose request never comes: the server holds the call until the client ends it. */
    ClientCall<Message, Empty> openCall(CallOptions options, LinkedBlockingQueue<Status> closed) {
        ClientCall<Message, Empty> call = grpc.channel().newCall(NotificationServiceGrpc.getBroadcastMethod(),
                options.withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY)));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.add(status);
            }
        }, new Metadata());
        call.request(1);
        return call;
    }

    @Test
    @Order(7)
    void deadlineAndCancellationAreTheClientsOwnStatusesAndTheServerKeepsServing() throws Exception {
        LinkedBlockingQueue<Status> closed = new LinkedBlockingQueue<>();
        openCall(CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), closed);
        Status expired = closed.poll(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, expired.getCode(), String.valueOf(expired));
        assertTrue(expired.getDescription().contains("deadline exceeded after "), expired.toString());

        ClientCall<Message, Empty> call = openCall(CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), closed);
        call.cancel("the caller gave up", null);
        Status cancelled = closed.poll(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.CANCELLED, cancelled.getCode(), String.valueOf(cancelled));
        assertEquals("the caller gave up", cancelled.getDescription());

        // Neither ends the connection: the next calls on it, and on a new one, succeed (on Tomcat
        // thanks to ResetGuardRequest, see docs/DEPLOYING.md).
        for (int i = 0; i < 10; i++) {
            openCall(CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), closed).cancel("gave up", null);
            assertEquals(Status.Code.CANCELLED, closed.poll(10, TimeUnit.SECONDS).getCode());
            api().broadcast(GrpcClient.info("after-cancel-" + i, "same connection"));
        }
        for (int i = 0; i < 5; i++) {
            openCall(CallOptions.DEFAULT.withDeadlineAfter(200, TimeUnit.MILLISECONDS), closed);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, closed.poll(10, TimeUnit.SECONDS).getCode());
            api().broadcast(GrpcClient.info("after-deadline-" + i, "same connection"));
        }
        try (GrpcClient fresh = new GrpcClient(server.httpPort())) {
            fresh.stub().broadcast(GrpcClient.info("after-cancel", "new connection"));
        }
    }

    @Test
    @Order(6)
    void grpcJsGetsTheSameStatusesOnTheWire() throws Exception {
        Map<String, GrpcJsClient.Outcome> seen = GrpcJsClient.statuses(server.httpPort(), GrpcClient.API_KEY);
        Map<String, GrpcJsClient.Outcome> expected = expectedOnTheWire();
        assertEquals(expected.keySet(), seen.keySet(), "cases run by statuses.mjs");
        expected.forEach((name, want) -> assertEquals(want, seen.get(name), "grpc-js, " + name));
    }

    /**
     * The same cases through gRPC's C core (Debian's python3-grpcio 1.51, {@code /usr/bin/python3};
     * skipped, saying why, where it is missing; .ci/run installs it), a third implementation
     * reading the wire. Each case must end with one of {@link #grpcCoreOutcomes()}' outcomes for
     * it: on Jetty the statuses of {@link #expectedOnTheWire()}, on Tomcat 11.0.24 a known defect
     * (docs/DEPLOYING.md, "gRPC statuses on Tomcat and Jetty").
     */
    @Test
    @Order(6)
    void grpcCoreGetsTheStatusesItCanOnTheWire() throws Exception {
        String missing = GrpcCoreClient.unavailable();
        assumeTrue(missing == null, missing);
        Map<String, GrpcJsClient.Outcome> seen = GrpcCoreClient.statuses(server.httpPort(), GrpcClient.API_KEY);
        Map<String, Set<GrpcJsClient.Outcome>> accepted = grpcCoreOutcomes();
        assertEquals(accepted.keySet(), seen.keySet(), "cases run by statuses.py");
        List<String> wrong = new ArrayList<>();
        accepted.forEach((name, ok) -> {
            if (!ok.contains(seen.get(name))) {
                wrong.add(name + ": got " + seen.get(name) + ", expected one of " + ok);
            }
        });
        assertEquals(List.of(), wrong, "gRPC C core");
    }

    /**
     * What the C core may report for each case of statuses.py: exactly {@link #expectedOnTheWire()}.
     * The refused oversized upload is the sharp case: without {@code UploadAwareRequest}, Jetty
     * reset the stream with CANCEL after the status and the C core reported CANCELLED in 2 of 3
     * runs.
     */
    Map<String, Set<GrpcJsClient.Outcome>> grpcCoreOutcomes() {
        Map<String, Set<GrpcJsClient.Outcome>> accepted = new HashMap<>();
        expectedOnTheWire().forEach((name, want) -> accepted.put(name, Set.of(want)));
        return accepted;
    }

    /** What a non-Java client must report for each case of statuses.mjs and statuses.py. */
    static Map<String, GrpcJsClient.Outcome> expectedOnTheWire() {
        return Map.of(
                "ok", outcome(Status.Code.OK, ""),
                "privateNotify empty userId", outcome(Status.Code.INVALID_ARGUMENT, EMPTY_USER),
                "notifyRoom empty room", outcome(Status.Code.INVALID_ARGUMENT, "room is present but empty; omit it to notify everyone"),
                "publish without target", outcome(Status.Code.INVALID_ARGUMENT, NO_TARGET),
                "old service privateNotify empty userId", outcome(Status.Code.INVALID_ARGUMENT, EMPTY_USER),
                "broadcast without key", outcome(Status.Code.UNAUTHENTICATED, MISSING_KEY),
                "broadcast with wrong key", outcome(Status.Code.UNAUTHENTICATED, WRONG_KEY),
                "broadcast over MAX_PUBLISH_BYTES", outcome(Status.Code.RESOURCE_EXHAUSTED,
                        "gRPC message exceeds maximum size " + MAX_PUBLISH_BYTES + ": " + (MAX_PUBLISH_BYTES + 4)),
                "unknown method", outcome(Status.Code.UNIMPLEMENTED, "Method not found: " + UNKNOWN_METHOD));
    }

    static GrpcJsClient.Outcome outcome(Status.Code code, String details) {
        return new GrpcJsClient.Outcome(code.value(), details);
    }

    /**
     * Stopping the node (SIGTERM): from the moment the stop begins, calls fail with UNAVAILABLE
     * (a status clients retry elsewhere) without waiting for their deadline. Both containers stop
     * routing new requests to the WAR before it is told to stop (Tomcat pauses its connectors,
     * then unmaps the context; Jetty closes its connectors first), so callers see the container
     * refusing the connection, not the application's own "server is shutting down".
     */
    /** One call made while the node stops; {@code afterExit}: the process had already exited when it began. */
    record Attempt(Status status, String errorCode, boolean afterExit) {
        /** The application's own refusal (its {@code x-error-code} trailer), not the container's. */
        boolean fromTheApplication() {
            return errorCode != null;
        }
    }

    static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("x-error-code", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    @Order(Integer.MAX_VALUE)
    void whileTheNodeStopsCallsFailFastWithUnavailable() throws Exception {
        api().broadcast(GrpcClient.info("before-stop", "m"));
        CompletableFuture<DistributionServer.StopResult> stop = CompletableFuture.supplyAsync(() -> {
            try {
                return server.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        List<Attempt> attempts = new ArrayList<>();
        Awaitility.await("a call refused with UNAVAILABLE while " + server.name() + " stops")
                .atMost(DistributionServer.STOP_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    boolean exited = stop.isDone();
                    Status status = Status.OK;
                    String errorCode = null;
                    try {
                        api().withDeadlineAfter(2, TimeUnit.SECONDS).broadcast(GrpcClient.info("during-stop", "m"));
                    } catch (StatusRuntimeException e) {
                        status = e.getStatus();
                        errorCode = e.getTrailers() == null ? null : e.getTrailers().get(ERROR_CODE);
                    }
                    attempts.add(new Attempt(status, errorCode, exited));
                    return status.getCode() == Status.Code.UNAVAILABLE;
                });
        assertTrue(attempts.stream().allMatch(a -> a.status().isOk() || a.status().getCode() == Status.Code.UNAVAILABLE),
                "every call during the stop succeeded or got UNAVAILABLE: " + attempts);
        // Where the application answered before the container stopped routing to it, it said why.
        for (Attempt a : attempts) {
            if (a.fromTheApplication()) {
                assertEquals("unavailable", a.errorCode(), a.toString());
                assertEquals(Status.Code.UNAVAILABLE, a.status().getCode(), a.toString());
                assertEquals(GrpcEndpoint.SHUTTING_DOWN, a.status().getDescription(), a.toString());
            } else if (!a.status().isOk()) {
                assertFalse(GrpcEndpoint.SHUTTING_DOWN.equals(a.status().getDescription()),
                        "the application's refusal without its trailer: " + a);
            }
        }
        assertFalse(attempts.get(attempts.size() - 1).afterExit(),
                "the first UNAVAILABLE came only after the process had exited: " + attempts);
        assertTrue(stop.get(DistributionServer.STOP_TIMEOUT.toSeconds() + 15, TimeUnit.SECONDS).graceful(),
                server.name() + " needed a kill after SIGTERM; log " + server.logFile());
    }
}
