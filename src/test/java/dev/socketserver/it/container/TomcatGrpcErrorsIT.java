package dev.socketserver.it.container;

import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** gRPC errors from the WAR in the stock Tomcat 11 distribution with {@code deploy/tomcat/server.xml}. */
class TomcatGrpcErrorsIT extends GrpcErrorsDistributionTest {
    @Override
    DistributionServer newServer() {
        return new TomcatDistribution();
    }

    /** Tomcat answers an unmapped path with 404, which gRPC clients map to UNIMPLEMENTED. */
    @Override
    Status.Code unknownServiceCode() {
        return Status.Code.UNIMPLEMENTED;
    }

    @Override
    int unknownServiceHttpStatus() {
        return 404;
    }

    /**
     * A known Tomcat 11.0.24 defect, pinned so that a Tomcat that fixes it makes this fail: its
     * HPACK decoder ({@code org.apache.coyote.http2.HpackDecoder.readHpackString}) requires every
     * character of a header name sent as a plain literal to be a token character, and ':' is not
     * one, so it refuses the C core's {@code :path}, which the C core sends as a new literal name
     * (a valid HPACK encoding). Every call, successful ones included, is reset with
     * PROTOCOL_ERROR before it reaches the application. The oversized upload may instead end
     * UNAVAILABLE: the C core keeps sending the reset stream's megabyte, and Tomcat's overhead
     * protection closes the connection (GOAWAY ENHANCE_YOUR_CALM "Too much overhead"), which the
     * C core reports as the GOAWAY or, when it was still writing, as its own failed write
     * ("Broken pipe"); a call made next on the same connection may then also fail that way
     * (seen in CI: "broadcast without key" got "Broken pipe"). See docs/DEPLOYING.md.
     */
    @Override
    Map<String, Set<GrpcJsClient.Outcome>> grpcCoreOutcomes() {
        Map<String, Set<GrpcJsClient.Outcome>> refused = new HashMap<>();
        Set<GrpcJsClient.Outcome> reset = Set.of(outcome(Status.Code.INTERNAL, "Received RST_STREAM with error code 1"),
                outcome(Status.Code.UNAVAILABLE, "GOAWAY received"),
                outcome(Status.Code.UNAVAILABLE, "Broken pipe"));
        for (String name : expectedOnTheWire().keySet()) {
            refused.put(name, reset);
        }
        return refused;
    }
}
