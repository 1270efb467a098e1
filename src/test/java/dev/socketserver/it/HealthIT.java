package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /health/live}, {@code /health/ready} and {@code grpc.health.v1.Health} through the real
 * WAR: no key needed, JSON saying why, and NOT_SERVING to watchers from the moment undeploying
 * begins.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthIT {
    private EmbeddedJetty server;
    private GrpcClient grpc;

    @BeforeAll
    void start() throws Exception {
        server = EmbeddedJetty.start(EmbeddedJetty.defaults());
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    void stop() throws Exception {
        grpc.close();
        server.close();
    }

    @Test
    void liveAndReadyAnswer200WithJsonWithoutAKey() {
        HttpApi.Response live = HttpApi.get(server.port(), "/health/live");
        assertEquals(200, live.status());
        assertTrue(live.body().getBoolean("live"));
        assertEquals("serving", live.body().getString("state"));

        HttpApi.Response ready = HttpApi.get(server.port(), "/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.body().getBoolean("ready"));
        assertEquals("serving", ready.body().getString("state"));
        assertFalse(ready.body().getString("reason").isEmpty());
    }

    @Test
    void unknownChecksAndOtherMethodsGetJsonErrors() {
        HttpApi.Response unknown = HttpApi.get(server.port(), "/health/startup");
        assertEquals(404, unknown.status());
        assertEquals("not_found", unknown.body().getJsonObject("error").getString("code"));
        HttpApi.Response post = HttpApi.send(server.port(), "../health/ready", "POST", null, null);
        assertEquals(405, post.status());
        assertEquals("bad_request", post.body().getJsonObject("error").getString("code"));
        // A body where none is taken is refused unread (UnwantedBodies), before the method check.
        HttpApi.Response withBody = HttpApi.send(server.port(), "../health/ready", "POST", "{}", null);
        assertEquals(400, withBody.status());
        assertEquals("this path takes no request body", withBody.body().getJsonObject("error").getString("message"));
    }

    @Test
    void grpcHealthServesTheServerAndBothServiceNamesWithoutAKey() {
        assertEquals(ServingStatus.SERVING, grpc.health(""));
        assertEquals(ServingStatus.SERVING, grpc.health("notifications.NotificationService"));
        assertEquals(ServingStatus.SERVING, grpc.health("notificationspb.NotificationService"));
        StatusRuntimeException unknown = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> grpc.health("no.such.Service"));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(grpc.reflectedServices().contains(HealthGrpc.SERVICE_NAME), "health is listed by reflection");
    }

    @Test
    void undeployingTellsWatchersNotServingAndFailsReadinessProbes() throws Exception {
        try (EmbeddedJetty draining = EmbeddedJetty.start(settings("SHUTDOWN_TIMEOUT", "30s"));
             GrpcClient client = new GrpcClient(draining.port())) {
            BlockingQueue<ServingStatus> watched = client.watchHealth("");
            assertEquals(ServingStatus.SERVING, watched.poll(10, TimeUnit.SECONDS));

            // An open reflection stream is an in-flight call: the drain waits for it, which keeps
            // the draining server answering while the test looks.
            CompletableFuture<ServerReflectionResponse> firstAnswer = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> held = ServerReflectionGrpc.newStub(client.channel())
                    .serverReflectionInfo(new StreamObserver<>() {
                        @Override
                        public void onNext(ServerReflectionResponse r) {
                            firstAnswer.complete(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            firstAnswer.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            held.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            firstAnswer.get(10, TimeUnit.SECONDS);

            CompletableFuture<Void> undeployed = CompletableFuture.runAsync(() -> {
                try {
                    draining.server().getHandler().stop();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(ServingStatus.NOT_SERVING, watched.poll(10, TimeUnit.SECONDS));
            // The container stops routing to a context before it tells the app (Jetty answers 404),
            // so a probe fails from here on; ReadinessStatesTest checks the app's own 503 body.
            int probed = HttpApi.get(draining.port(), "/health/ready").status();
            assertTrue(probed >= 400, "readiness probe status while draining: " + probed);

            held.onCompleted();
            undeployed.get(20, TimeUnit.SECONDS);
        }
    }

    private static Map<String, String> settings(String key, String value) {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put(key, value);
        return s;
    }
}
