package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.message.Target;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streams this node has local members of, counted, so that the broker is told on the first
 * member ({@link Broker#subscribe}) and after the last ({@link Broker#unsubscribe}). The broker
 * is called inside the map's per-key update, so its calls for one stream are made in order.
 */
final class Interests {
    private static final CompletionStage<Void> NOT_FOLLOWED =
            CompletableFuture.failedFuture(new IllegalStateException("no local member"));

    /** Local members of a stream, and the broker's answer to the subscribe made for the first. */
    private static final class Followed {
        final CompletionStage<Void> subscribed;
        int members;

        Followed(CompletionStage<Void> subscribed) {
            this.subscribed = subscribed;
        }
    }

    private final Broker broker;
    private final Map<String, Followed> streams = new ConcurrentHashMap<>();

    Interests(Broker broker) {
        this.broker = broker;
    }

    /** One more local member; the stage completes once the stream is delivered to this node. */
    CompletionStage<Void> acquire(Target target) {
        return streams.compute(target.streamKey(), (k, f) -> {
            Followed followed = f != null ? f : new Followed(subscribe(target));
            followed.members++;
            return followed;
        }).subscribed;
    }

    /** One local member fewer. */
    void release(Target target) {
        streams.computeIfPresent(target.streamKey(), (k, f) -> {
            if (--f.members > 0) {
                return f;
            }
            broker.unsubscribe(target);
            return null;
        });
    }

    /** Completes once the stream, which has local members, is delivered to this node. */
    CompletionStage<Void> subscribed(Target target) {
        Followed f = streams.get(target.streamKey());
        return f == null ? NOT_FOLLOWED : f.subscribed;
    }

    private CompletionStage<Void> subscribe(Target target) {
        try {
            return broker.subscribe(target);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Streams followed; for tests. */
    int size() {
        return streams.size();
    }
}
