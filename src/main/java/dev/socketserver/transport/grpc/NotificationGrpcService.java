package dev.socketserver.transport.grpc;

import com.google.protobuf.Empty;
import dev.socketserver.message.Notification;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.node.Node;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The old server's three RPCs. One implementation serves both {@code notifications.} and
 * {@code notificationspb.NotificationService}: the generated interfaces have the same methods.
 */
final class NotificationGrpcService implements NotificationServiceGrpc.AsyncService,
        dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.AsyncService {
    private final Node node;
    private final BodyRenderer renderer = new BodyRenderer();

    NotificationGrpcService(Node node) {
        this.node = node;
    }

    @Override
    public void broadcast(Message request, StreamObserver<Empty> out) {
        call(out, () -> node.publish(Target.all(), toNotification(true, request)));
    }

    @Override
    public void notifyRoom(MessageWithRoom request, StreamObserver<Empty> out) {
        call(out, () -> {
            Target target;
            if (!request.hasRoom()) {
                target = Target.all();
            } else if (request.getRoom().isEmpty()) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("room is present but empty; omit it to notify everyone")
                        .asRuntimeException();
            } else {
                target = Target.room(request.getRoom());
            }
            return node.publish(target, toNotification(request.hasBase(), request.getBase()));
        });
    }

    @Override
    public void privateNotify(MessageWithUser request, StreamObserver<Empty> out) {
        call(out, () -> {
            if (request.getUserId().isEmpty()) {
                throw Status.INVALID_ARGUMENT.withDescription("userId must not be empty").asRuntimeException();
            }
            return node.publish(Target.user(request.getUserId()),
                    toNotification(request.hasBase(), request.getBase()));
        });
    }

    Notification toNotification(boolean present, Message m) {
        String type = switch (m.getType()) {
            case TYPE_INFO -> "info";
            case TYPE_ERROR -> "error";
            default -> "";
        };
        return new Notification(type, m.getEntityId(), renderer.render(present && m.hasMessage(), m.getMessage()));
    }

    private static void call(StreamObserver<Empty> out, Supplier<CompletionStage<StreamPosition>> body) {
        CompletionStage<StreamPosition> stage;
        try {
            stage = body.get();
        } catch (RuntimeException e) {
            out.onError(GrpcErrors.toStatus(e));
            return;
        }
        stage.whenComplete((pos, error) -> {
            if (error != null) {
                out.onError(GrpcErrors.toStatus(error));
            } else {
                out.onNext(Empty.getDefaultInstance());
                out.onCompleted();
            }
        });
    }

}
