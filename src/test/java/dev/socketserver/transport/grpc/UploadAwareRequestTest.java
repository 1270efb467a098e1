package dev.socketserver.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The completion order {@link UploadAwareRequest} guarantees, against a stand-in container (the
 * distribution ITs run it in stock Tomcat and Jetty): a completion waits for the client's
 * upload to end, at most {@link UploadAwareRequest#UPLOAD_GRACE}, and happens exactly once.
 */
class UploadAwareRequestTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger completions = new AtomicInteger();
    private final ReadListener[] containerSide = new ReadListener[1];
    private final AtomicInteger appReads = new AtomicInteger();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** The request as grpc-servlet sees it, with the async context it starts and its read listener set. */
    private AsyncContext start(UploadAwareRequest request) throws IOException {
        AsyncContext async = request.startAsync(request, null);
        request.getInputStream().setReadListener(new ReadListener() {
            @Override
            public void onDataAvailable() {
                appReads.incrementAndGet();
            }

            @Override
            public void onAllDataRead() {
                appReads.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
                appReads.incrementAndGet();
            }
        });
        return async;
    }

    private UploadAwareRequest request() {
        ServletInputStream in = new ServletInputStream() {
            @Override
            public boolean isFinished() {
                return false;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                containerSide[0] = listener;
            }

            @Override
            public int read() {
                return -1;
            }
        };
        AsyncContext container = (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {AsyncContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("complete")) {
                        completions.incrementAndGet();
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        HttpServletRequest raw = (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getInputStream" -> in;
                    case "startAsync" -> container;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new UploadAwareRequest(raw, scheduler);
    }

    @Test
    void completesAtOnceWhenTheUploadAlreadyEnded() throws IOException {
        UploadAwareRequest request = request();
        AsyncContext async = start(request);
        containerSide[0].onDataAvailable();
        containerSide[0].onAllDataRead();
        assertEquals(0, completions.get());
        async.complete();
        assertEquals(1, completions.get());
        assertEquals(2, appReads.get(), "grpc-servlet's listener still gets every callback");
    }

    @Test
    void waitsForTheUploadToEnd() throws IOException {
        UploadAwareRequest request = request();
        AsyncContext async = start(request);
        async.complete();
        assertEquals(0, completions.get(), "completed while the client was still uploading");
        containerSide[0].onDataAvailable();
        assertEquals(0, completions.get());
        containerSide[0].onAllDataRead();
        assertEquals(1, completions.get());
    }

    @Test
    void aFailedUploadEndsTheWaitToo() throws IOException {
        AsyncContext async = start(request());
        async.complete();
        containerSide[0].onError(new IOException("client reset"));
        assertEquals(1, completions.get());
        assertEquals(1, appReads.get());
    }

    @Test
    void completesAfterTheGraceWhenTheUploadNeverEndsAndOnlyOnce() throws IOException {
        AsyncContext async = start(request());
        long started = System.nanoTime();
        async.complete();
        Awaitility.await().atMost(UploadAwareRequest.UPLOAD_GRACE.plusSeconds(5)).until(() -> completions.get() == 1);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(waited.compareTo(UploadAwareRequest.UPLOAD_GRACE.minusMillis(50)) >= 0, "completed after " + waited);
        containerSide[0].onAllDataRead();
        async.complete();
        assertEquals(1, completions.get(), "completed twice");
    }
}
