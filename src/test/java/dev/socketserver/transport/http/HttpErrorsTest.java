package dev.socketserver.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.socketserver.error.ErrorCode;
import org.junit.jupiter.api.Test;

class HttpErrorsTest {
    @Test
    void bodyIsTheDocumentedShapeWithTextEscaped() {
        assertEquals("{\"error\":{\"code\":\"bad_request\",\"message\":\"a \\\"quoted\\\" \\\\ line\\nnext\"}}",
                HttpErrors.json(ErrorCode.BAD_REQUEST, "a \"quoted\" \\ line\nnext"));
        assertEquals("{\"error\":{\"code\":\"unavailable\",\"message\":\"caf\u00e9\"}}",
                HttpErrors.json(ErrorCode.UNAVAILABLE, "caf\u00e9"));
    }
}
