package dev.socketserver.redis;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Batches the subscribe and unsubscribe calls made for one pub/sub connection: calls made while
 * a batch is being sent wait for the next one, which sends each run of consecutive calls of one
 * kind as one command. Runs keep the order the calls were made in, so a stream's subscribe and
 * unsubscribe take effect in that order; each call's stage completes when Redis confirmed its
 * command.
 */
final class Subscriptions {
    private record Call(boolean on, byte[] channel, CompletableFuture<Void> done) {
    }

    private final StatefulRedisPubSubConnection<byte[], byte[]> connection;
    private final boolean sharded;
    private final Executor sender;
    private List<Call> queued = new ArrayList<>();
    private boolean scheduled;

    /** @param sharded SSUBSCRIBE/SUNSUBSCRIBE (a cluster's streams) instead of SUBSCRIBE/UNSUBSCRIBE */
    Subscriptions(StatefulRedisPubSubConnection<byte[], byte[]> connection, boolean sharded, Executor sender) {
        this.connection = connection;
        this.sharded = sharded;
        this.sender = sender;
    }

    CompletionStage<Void> submit(boolean on, byte[] channel) {
        Call call = new Call(on, channel, new CompletableFuture<>());
        boolean schedule;
        synchronized (this) {
            queued.add(call);
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            try {
                sender.execute(this::send);
            } catch (RuntimeException e) {
                call.done().completeExceptionally(RedisLink.unavailable(e));
            }
        }
        return call.done();
    }

    private void send() {
        List<Call> batch;
        synchronized (this) {
            batch = queued;
            queued = new ArrayList<>();
            scheduled = false;
        }
        int from = 0;
        while (from < batch.size()) {
            int to = from;
            while (to < batch.size() && batch.get(to).on() == batch.get(from).on()) {
                to++;
            }
            List<Call> run = batch.subList(from, to);
            byte[][] channels = run.stream().map(Call::channel).toArray(byte[][]::new);
            boolean on = run.get(0).on();
            RedisLink.call(() -> sharded
                    ? (on ? connection.async().ssubscribe(channels) : connection.async().sunsubscribe(channels))
                    : (on ? connection.async().subscribe(channels) : connection.async().unsubscribe(channels)))
                    .whenComplete((v, e) -> run.forEach(c -> {
                        if (e == null) {
                            c.done().complete(null);
                        } else {
                            c.done().completeExceptionally(e);
                        }
                    }));
            from = to;
        }
    }
}
