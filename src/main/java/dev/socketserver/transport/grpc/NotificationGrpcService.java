package dev.socketserver.transport.grpc;

import com.google.protobuf.Empty;
import dev.socketserver.transport.api.BackendApi;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.DisconnectResponse;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.HistoryResponse;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.InfoResponse;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceResponse;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsResponse;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.PublishResponse;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.RoomsResponse;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.SubscribeResponse;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;

/**
 * The backend API over gRPC: each RPC calls {@link BackendApi} and maps its failures to gRPC
 * statuses ({@link GrpcErrors}). The old three RPCs are served under both {@code notifications.}
 * and {@code notificationspb.NotificationService} (the generated interfaces share those methods);
 * the rest only under {@code notifications.}.
 */
public final class NotificationGrpcService implements NotificationServiceGrpc.AsyncService,
        dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.AsyncService {
    private final BackendApi api;

    public NotificationGrpcService(BackendApi api) {
        this.api = api;
    }

    @Override
    public void broadcast(Message request, StreamObserver<Empty> out) {
        reply(out, api.broadcast(request));
    }

    @Override
    public void notifyRoom(MessageWithRoom request, StreamObserver<Empty> out) {
        reply(out, api.notifyRoom(request));
    }

    @Override
    public void privateNotify(MessageWithUser request, StreamObserver<Empty> out) {
        reply(out, api.privateNotify(request));
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> out) {
        reply(out, api.publish(request));
    }

    @Override
    public void history(HistoryRequest request, StreamObserver<HistoryResponse> out) {
        reply(out, api.history(request));
    }

    @Override
    public void presence(PresenceRequest request, StreamObserver<PresenceResponse> out) {
        reply(out, api.presence(request));
    }

    @Override
    public void presenceStats(PresenceStatsRequest request, StreamObserver<PresenceStatsResponse> out) {
        reply(out, api.presenceStats(request));
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> out) {
        reply(out, api.subscribe(request));
    }

    @Override
    public void unsubscribe(UnsubscribeRequest request, StreamObserver<UnsubscribeResponse> out) {
        reply(out, api.unsubscribe(request));
    }

    @Override
    public void disconnect(DisconnectRequest request, StreamObserver<DisconnectResponse> out) {
        reply(out, api.disconnect(request));
    }

    @Override
    public void rooms(RoomsRequest request, StreamObserver<RoomsResponse> out) {
        reply(out, api.rooms(request));
    }

    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> out) {
        reply(out, api.info(request));
    }

    private static <T> void reply(StreamObserver<T> out, CompletionStage<T> result) {
        result.whenComplete((value, error) -> {
            if (error != null) {
                out.onError(GrpcErrors.toStatus(error));
            } else {
                out.onNext(value);
                out.onCompleted();
            }
        });
    }
}
