package dev.socketserver.transport.api;

import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Identifiers;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.Target;
import dev.socketserver.node.Node;
import dev.socketserver.node.NodeInfo;
import dev.socketserver.transport.grpc.proto.ClientInfo;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.DisconnectResponse;
import dev.socketserver.transport.grpc.proto.HistoryEntry;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.HistoryResponse;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.InfoResponse;
import dev.socketserver.transport.grpc.proto.NodeStats;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceResponse;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsResponse;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.PublishResponse;
import dev.socketserver.transport.grpc.proto.RoomInfo;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.RoomsResponse;
import dev.socketserver.transport.grpc.proto.StreamPosition;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.SubscribeResponse;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The backend API's methods over {@link Node}, in the API's protobuf types: each maps its request
 * to the core's values ({@link Target}, {@link Notification}, identifiers validated), calls the
 * node, and maps the result back. Both backend transports call it, gRPC and HTTP/JSON alike, so
 * validation and results are the same on both and neither transport goes through the other.
 *
 * <p>Every method returns at once and never throws: bad input and core failures complete the
 * stage exceptionally with a {@link ServerException} (wrapped in a
 * {@link java.util.concurrent.CompletionException} where it came from a stage), anything else is a
 * bug. Thread-safe.
 */
public final class BackendApi {
    private final Node node;
    private final BodyRenderer renderer = new BodyRenderer();
    private final JsonFormat.Parser bodyParser = JsonFormat.parser();

    public BackendApi(Node node) {
        this.node = node;
    }

    /** The message types a request body's {@code Any} may name in JSON: well-known types and this API's. */
    public static JsonFormat.TypeRegistry knownTypes() {
        return BodyRenderer.knownTypes();
    }

    // ---- the old contract: Broadcast, NotifyRoom, PrivateNotify ------------------------

    public CompletionStage<Empty> broadcast(Message request) {
        return guarded(() -> node.publish(Target.all(), toNotification(true, request)).thenApply(r -> Empty.getDefaultInstance()));
    }

    public CompletionStage<Empty> notifyRoom(MessageWithRoom request) {
        return guarded(() -> {
            Target target;
            if (!request.hasRoom()) {
                target = Target.all();
            } else if (request.getRoom().isEmpty()) {
                throw ServerException.badRequest("room is present but empty; omit it to notify everyone");
            } else {
                target = Target.room(request.getRoom());
            }
            return node.publish(target, toNotification(request.hasBase(), request.getBase()))
                    .thenApply(r -> Empty.getDefaultInstance());
        });
    }

    public CompletionStage<Empty> privateNotify(MessageWithUser request) {
        return guarded(() -> {
            return node.publish(Target.user(request.getUserId()), toNotification(request.hasBase(), request.getBase()))
                    .thenApply(r -> Empty.getDefaultInstance());
        });
    }

    private Notification toNotification(boolean present, Message m) {
        String type = switch (m.getType()) {
            case TYPE_INFO -> "info";
            case TYPE_ERROR -> "error";
            default -> "";
        };
        return new Notification(type, Identifiers.validateOptional("entityId", m.getEntityId()), renderer.render(present && m.hasMessage(), m.getMessage()));
    }

    // ---- the backend API --------------------------------------------------------------

    public CompletionStage<PublishResponse> publish(PublishRequest request) {
        return guarded(() -> {
            Target target = target(request.getTargetCase().name(), request.getRoom(), request.getUserId());
            String key = request.getIdempotencyKey().isEmpty() ? null
                    : Identifiers.validate("idempotencyKey", request.getIdempotencyKey());
            return node.publish(target, toNotification(request.hasMessage(), request.getMessage()), key)
                    .thenApply(r -> {
                        PublishResponse.Builder b = PublishResponse.newBuilder().setDuplicate(r.duplicate());
                        if (r.position() != null) {
                            b.setPosition(toProto(r.position()));
                        }
                        return b.build();
                    });
        });
    }

    public CompletionStage<HistoryResponse> history(HistoryRequest request) {
        return guarded(() -> {
            Target target = target(request.getTargetCase().name(), request.getRoom(), request.getUserId());
            if (request.hasLimit() && request.getLimit() < 0) {
                throw ServerException.badRequest("limit must be >= 0");
            }
            int limit = request.hasLimit() ? request.getLimit() : Integer.MAX_VALUE;
            dev.socketserver.message.StreamPosition since = request.hasSince()
                    ? new dev.socketserver.message.StreamPosition(request.getSince().getOffset(),
                            Identifiers.validateOptional("since.epoch", request.getSince().getEpoch()))
                    : null;
            return node.history(target, new HistoryQuery(since, limit, request.getReverse())).thenApply(h -> {
                HistoryResponse.Builder b = HistoryResponse.newBuilder().setPosition(toProto(h.position()));
                for (Publication p : h.publications()) {
                    b.addPublications(toEntry(p));
                }
                return b.build();
            });
        });
    }

    /** The {@code oneof target} of Publish and History (their generated case enums share names). */
    private static Target target(String targetCase, String room, String userId) {
        return switch (targetCase) {
            case "ALL" -> Target.all();
            case "ROOM" -> Target.room(room);
            case "USER_ID" -> Target.user(userId);
            default -> throw ServerException.badRequest("a target is required: all, room or userId");
        };
    }

    private HistoryEntry toEntry(Publication p) {
        Value.Builder body = Value.newBuilder();
        try {
            bodyParser.merge(p.notification().bodyJson(), body);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored body is not JSON", e);
        }
        return HistoryEntry.newBuilder().setType(p.notification().type()).setEntityId(p.notification().entityId())
                .setMessage(body).setOffset(p.position().offset()).setEpoch(p.position().epoch()).build();
    }

    public CompletionStage<PresenceResponse> presence(PresenceRequest request) {
        return guarded(() -> node.presence(request.getRoom()).thenApply(m -> {
            PresenceResponse.Builder b = PresenceResponse.newBuilder();
            m.forEach((id, c) -> b.putPresence(id, ClientInfo.newBuilder().setClientId(c.clientId())
                    .setUserId(c.userId()).build()));
            return b.build();
        }));
    }

    public CompletionStage<PresenceStatsResponse> presenceStats(PresenceStatsRequest request) {
        return guarded(() -> node.presenceStats(request.getRoom()).thenApply(s -> PresenceStatsResponse.newBuilder()
                .setNumClients(s.numClients()).setNumUsers(s.numUsers()).build()));
    }

    public CompletionStage<SubscribeResponse> subscribe(SubscribeRequest request) {
        return guarded(() -> node.subscribeUser(request.getUserId(), request.getRoom())
                .thenApply(n -> SubscribeResponse.newBuilder().setConnections(n).build()));
    }

    public CompletionStage<UnsubscribeResponse> unsubscribe(UnsubscribeRequest request) {
        return guarded(() -> node.unsubscribeUser(request.getUserId(), request.getRoom())
                .thenApply(n -> UnsubscribeResponse.newBuilder().setConnections(n).build()));
    }

    public CompletionStage<DisconnectResponse> disconnect(DisconnectRequest request) {
        return guarded(() -> node.disconnectUser(request.getUserId(), request.getReconnect())
                .thenApply(n -> DisconnectResponse.newBuilder().setConnections(n).build()));
    }

    public CompletionStage<RoomsResponse> rooms(RoomsRequest request) {
        return guarded(() -> node.rooms(Identifiers.validateOptional("pattern", request.getPattern())).thenApply(rooms -> {
            RoomsResponse.Builder b = RoomsResponse.newBuilder();
            rooms.forEach((name, n) -> b.putRooms(name, RoomInfo.newBuilder().setNumClients(n).build()));
            return b.build();
        }));
    }

    public CompletionStage<InfoResponse> info(InfoRequest request) {
        return guarded(() -> node.info().thenApply(i -> {
            InfoResponse.Builder b = InfoResponse.newBuilder().setNodeId(i.nodeId())
                    .setUptimeSeconds(i.uptime().toSeconds()).setNumClients(i.clients()).setNumUsers(i.users())
                    .setNumRooms(i.rooms()).setPublications(i.publications()).setDeliveries(i.deliveries());
            for (NodeInfo.Member m : i.nodes()) {
                b.addNodes(NodeStats.newBuilder().setNodeId(m.nodeId()).setUptimeSeconds(m.uptime().toSeconds())
                        .setNumClients(m.clients()).setNumUsers(m.users()).setNumRooms(m.rooms())
                        .setPublications(m.publications()).setDeliveries(m.deliveries()));
            }
            return b.build();
        }));
    }

    private static StreamPosition toProto(dev.socketserver.message.StreamPosition p) {
        return StreamPosition.newBuilder().setOffset(p.offset()).setEpoch(p.epoch()).build();
    }

    private static <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
