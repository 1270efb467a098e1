package dev.socketserver.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.auth.ApiKeys;
import dev.socketserver.broker.Broker;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import dev.socketserver.node.Node;
import dev.socketserver.node.NodeOptions;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import dev.socketserver.testing.ForwardingBroker;
import dev.socketserver.transport.api.BackendApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/*} in a real Jetty, over a real node whose broker accepts publications only
 * when the test says (a slow engine, or flow control holding replies).
 */
class HttpApiServletTest {
    private static final String KEY = "http-test-key";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The memory broker, with publications accepted only on {@link #accept()}. */
    private static final class SlowBroker extends ForwardingBroker {
        final MemoryBroker delegate = new MemoryBroker();
        final List<Runnable> waiting = new CopyOnWriteArrayList<>();
        /** Counts publications as they reach the broker (and are held). */
        final Semaphore reached = new Semaphore(0);

        @Override
        protected Broker delegate() {
            return delegate;
        }

        @Override
        public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
            CompletableFuture<PublishResult> later = new CompletableFuture<>();
            waiting.add(() -> delegate.publish(target, notification, options).whenComplete((r, e) -> later.complete(r)));
            reached.release();
            return later;
        }

        void accept() {
            List<Runnable> now = new ArrayList<>(waiting);
            waiting.clear();
            now.forEach(Runnable::run);
        }
    }

    private Server server;
    private Node node;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (node != null) {
            node.close();
        }
    }

    private int start(SlowBroker broker, int maxThreads) throws Exception {
        node = new Node(NodeOptions.defaults(), broker, new MemoryPresenceManager(), HistorySettings.defaults(), List.of());
        HttpApiServlet servlet = new HttpApiServlet(new BackendApi(node), new ApiKeys(List.of(KEY), false),
                new HttpApiServlet.Limits(1 << 20, Duration.ofSeconds(10), 1000));
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 2);
        threads.setReservedThreads(0);
        server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory());
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServletContainerInitializer((classes, ctx) -> servlet.install(ctx));
        server.setHandler(context);
        server.start();
        return connector.getLocalPort();
    }

    private static CompletableFuture<HttpResponse<String>> post(int port, String method, String json, Duration timeout) {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/" + method))
                .timeout(timeout).header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return HTTP.sendAsync(r, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Defect 9: a publication the broker has not accepted yet must not hold a container thread
     * (before: up to 30 s each, then 503 "timed out" for what may be accepted later, so a
     * retrying backend published it twice); once accepted, it is answered with its result.
     */
    @Test
    void publicationsWaitingForTheBrokerHoldNoContainerThreadAndAreAnsweredOnceAccepted() throws Exception {
        SlowBroker broker = new SlowBroker();
        int port = start(broker, 12);
        int publications = 20;
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < publications; i++) {
            held.add(post(port, "Publish", "{\"room\":\"r\",\"message\":{\"entityId\":\"e" + i + "\"}}", Duration.ofSeconds(60)));
        }
        // All of them reach the broker at once, although the container has fewer threads (a
        // blocking servlet holds one thread per publication: the rest would still be queued).
        assertTrue(broker.reached.tryAcquire(publications, 30, TimeUnit.SECONDS),
                "publications held in the broker: " + broker.reached.availablePermits() + " of " + publications);
        assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "answered before the broker accepted");
        // With every publication in flight, another call is still served.
        HttpResponse<String> info = post(port, "Info", "{}", Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        assertEquals(200, info.statusCode(), info.body());
        assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "answered before the broker accepted");
        broker.accept();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            HttpResponse<String> r = f.get(15, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"offset\""), r.body());
        }
    }
}
