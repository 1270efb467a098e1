package dev.socketserver.testing;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageType;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;

/** A real grpc-java client (h2c prior knowledge) with deadlines and the test API key. */
public final class GrpcClient implements AutoCloseable {
    public static final String API_KEY = "test-api-key";

    private final ManagedChannel channel;

    public GrpcClient(int port) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** The blocking stub with a 10 s deadline and the API key. */
    public NotificationServiceGrpc.NotificationServiceBlockingStub stub() {
        return NotificationServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .withCallCredentials(bearer(API_KEY));
    }

    public static CallCredentials bearer(String key) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
                Metadata m = new Metadata();
                m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
                applier.apply(m);
            }
        };
    }

    /** Asks gRPC server reflection (v1) one question; returns its answers. */
    public List<ServerReflectionResponse> reflect(ServerReflectionRequest question) {
        CompletableFuture<List<ServerReflectionResponse>> answers = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    private final List<ServerReflectionResponse> got = new ArrayList<>();

                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        got.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answers.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answers.complete(got);
                    }
                });
        requests.onNext(question);
        requests.onCompleted();
        try {
            return answers.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("reflection failed", e);
        }
    }

    /** The service names server reflection lists. */
    public List<String> reflectedServices() {
        List<String> names = new ArrayList<>();
        reflect(ServerReflectionRequest.newBuilder().setListServices("").build()).forEach(
                r -> r.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName())));
        return names;
    }

    /** The standard health service's answer for {@code service}, asked without an API key. */
    public HealthCheckResponse.ServingStatus health(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    /** Starts a health watch of {@code service} without an API key; the statuses arrive in order. */
    public BlockingQueue<HealthCheckResponse.ServingStatus> watchHealth(String service) {
        BlockingQueue<HealthCheckResponse.ServingStatus> seen = new LinkedBlockingQueue<>();
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService(service).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(HealthCheckResponse r) {
                        seen.add(r.getStatus());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        return seen;
    }

    public static Message info(String entityId, String text) {
        return Message.newBuilder().setType(MessageType.TYPE_INFO).setEntityId(entityId)
                .setMessage(Any.pack(StringValue.of(text))).build();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    public static Status.Code code(Throwable t) {
        return Status.fromThrowable(t).getCode();
    }
}
