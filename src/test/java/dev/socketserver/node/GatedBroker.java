package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Target;
import dev.socketserver.testing.ForwardingBroker;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A memory broker whose history answers the test holds back while {@link #gated}: each read is
 * made at once but answered only on {@link #release}, like a slow engine; while {@link #failing},
 * history reads fail as with an engine that is down.
 */
final class GatedBroker extends ForwardingBroker {
    private final MemoryBroker delegate = new MemoryBroker();
    private final List<Runnable> held = new CopyOnWriteArrayList<>();
    volatile boolean gated;
    volatile boolean failing;

    @Override
    protected Broker delegate() {
        return delegate;
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        if (failing) {
            return CompletableFuture.failedFuture(new ServerException(ErrorCode.UNAVAILABLE, "engine down"));
        }
        CompletionStage<HistoryResult> answer = delegate.history(target, query);
        if (!gated) {
            return answer;
        }
        CompletableFuture<HistoryResult> later = new CompletableFuture<>();
        held.add(() -> answer.whenComplete((r, e) -> {
            if (e != null) {
                later.completeExceptionally(e);
            } else {
                later.complete(r);
            }
        }));
        return later;
    }

    /** Answers every held read. */
    void release() {
        gated = false;
        held.forEach(Runnable::run);
        held.clear();
    }
}
