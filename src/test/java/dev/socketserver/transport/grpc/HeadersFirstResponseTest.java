package dev.socketserver.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What {@link HeadersFirstResponse} passes to the container, against a stand-in response that
 * records it (the distribution ITs check the statuses on the wire in stock Tomcat and Jetty, and
 * HealthIT that a streaming call's messages still go out before it ends).
 */
class HeadersFirstResponseTest {
    private final List<String> calls = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();
    private Supplier<Map<String, String>> trailers;

    private HttpServletResponse container() {
        return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServletResponse.class},
                (proxy, method, args) -> {
                    calls.add(method.getName());
                    switch (method.getName()) {
                        case "addHeader" -> headers.add(args[0] + ": " + args[1]);
                        case "setTrailerFields" -> {
                            @SuppressWarnings("unchecked")
                            Supplier<Map<String, String>> supplier = (Supplier<Map<String, String>>) args[0];
                            trailers = supplier;
                        }
                        default -> {
                            // recorded only
                        }
                    }
                    return null;
                });
    }

    /** grpc-servlet's ordinary response: headers, trailer supplier, a flush, (message,) a flush. */
    private static void ordinaryResponse(HeadersFirstResponse response) throws IOException {
        response.addHeader("content-type", "application/grpc");
        response.setTrailerFields(Map::of);
        response.flushBuffer();
        response.flushBuffer();
    }

    @Test
    void aUnaryCallsFlushesWaitForItsCompletion() throws IOException {
        ordinaryResponse(new HeadersFirstResponse(container(), true));
        assertEquals(List.of("content-type: application/grpc"), headers, "the headers reach the container");
        assertEquals(0, calls.stream().filter("flushBuffer"::equals).count(), "no flush before the completion: " + calls);
    }

    @Test
    void aStreamingCallFlushesAsAsked() throws IOException {
        ordinaryResponse(new HeadersFirstResponse(container(), false));
        assertEquals(List.of("content-type: application/grpc"), headers);
        assertEquals(2, calls.stream().filter("flushBuffer"::equals).count(), "each flush passed on: " + calls);
    }

    @Test
    void aStatusBeforeAnyMessageBecomesTrailersForBothKinds() {
        for (boolean unary : new boolean[] {true, false}) {
            headers.clear();
            trailers = null;
            HeadersFirstResponse response = new HeadersFirstResponse(container(), unary);
            response.addHeader("content-type", "application/grpc");
            response.addHeader("grpc-status", "3");
            response.addHeader("grpc-message", "bad");
            assertEquals(List.of(), headers, "nothing added as a header");
            assertEquals(Map.of("content-type", "application/grpc", "grpc-status", "3", "grpc-message", "bad"), trailers.get());
        }
    }
}
