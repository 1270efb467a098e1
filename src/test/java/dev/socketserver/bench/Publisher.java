package dev.socketserver.bench;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.StringValue;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageType;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes over gRPC: {@code NotifyRoom}, {@code Broadcast} or {@code PrivateNotify}
 * (round-robin over the users; over the nodes with {@code --grpc-ports}), at a fixed rate or as fast as possible with K calls in flight.
 * Each message's {@code entityId} is its sequence number and its body a {@code StringValue}
 * holding the {@code System.nanoTime()} taken just before the call.
 */
final class Publisher implements AutoCloseable {
    private final BenchOptions opts;
    private final List<ManagedChannel> channels;
    private final List<NotificationServiceGrpc.NotificationServiceStub> stubs;
    private final String padding;
    final LongAdder ok = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    Publisher(BenchOptions opts) {
        this.opts = opts;
        this.channels = opts.grpcPorts.stream()
                .map(port -> (ManagedChannel) NettyChannelBuilder.forAddress(opts.host, port).usePlaintext()
                        .directExecutor().build())
                .toList();
        this.stubs = channels.stream().map(channel -> {
            NotificationServiceGrpc.NotificationServiceStub s = NotificationServiceGrpc.newStub(channel);
            return opts.apiKey == null ? s : s.withCallCredentials(GrpcClient.bearer(opts.apiKey));
        }).toList();
        this.padding = opts.payloadBytes > 0 ? " " + "x".repeat(opts.payloadBytes - 1) : "";
    }

    /**
     * Publishes {@code count} messages and waits (bounded) for every call to finish.
     *
     * @param idPrefix "" for measured messages, "w" for warm-up ones (not measured)
     * @param rate     msg/s, or 0 for as fast as possible
     * @return the nanoTime when the last call was issued
     */
    long run(int count, String idPrefix, double rate, int inflight) throws InterruptedException {
        Semaphore permits = new Semaphore(inflight);
        long start = System.nanoTime();
        double period = rate > 0 ? 1e9 / rate : 0;
        for (int i = 0; i < count; i++) {
            if (rate > 0) {
                long due = start + (long) (i * period);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (!permits.tryAcquire(opts.deadlineMs * 2, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("gRPC calls did not complete within twice the deadline");
            }
            send(i, idPrefix, permits);
        }
        long last = System.nanoTime();
        if (!permits.tryAcquire(inflight, opts.deadlineMs * 2, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("gRPC calls did not complete within twice the deadline");
        }
        return last;
    }

    private void send(int seq, String idPrefix, Semaphore permits) {
        long now = System.nanoTime();
        Message base = Message.newBuilder().setType(MessageType.TYPE_INFO)
                .setEntityId(idPrefix + seq)
                .setMessage(Any.pack(StringValue.of(padding.isEmpty() ? Long.toString(now) : now + padding)))
                .build();
        StreamObserver<Empty> done = new StreamObserver<>() {
            @Override
            public void onNext(Empty value) {
            }

            @Override
            public void onError(Throwable t) {
                failures.computeIfAbsent(Status.fromThrowable(t).getCode().name(), k -> new LongAdder()).increment();
                permits.release();
            }

            @Override
            public void onCompleted() {
                ok.increment();
                permits.release();
            }
        };
        NotificationServiceGrpc.NotificationServiceStub s = stubs.get(seq % stubs.size()).withDeadlineAfter(opts.deadlineMs, TimeUnit.MILLISECONDS);
        switch (opts.mode) {
            case ROOM -> s.notifyRoom(MessageWithRoom.newBuilder().setBase(base).setRoom(opts.room).build(), done);
            case BROADCAST -> s.broadcast(base, done);
            case PRIVATE -> s.privateNotify(MessageWithUser.newBuilder().setBase(base)
                    .setUserId(Bench.userId(seq % opts.connections)).build(), done);
            default -> throw new IllegalStateException("no publishing in mode " + opts.mode);
        }
    }

    /** Deliveries that {@code count} messages should cause on live (non-stalled) connections. */
    long expectedDeliveries(int count, long subscribers) {
        if (opts.mode == BenchOptions.Mode.PRIVATE) {
            long n = 0;
            for (int i = 0; i < count; i++) {
                if (i % opts.connections >= opts.stall) {
                    n++;
                }
            }
            return n;
        }
        return count * subscribers;
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
