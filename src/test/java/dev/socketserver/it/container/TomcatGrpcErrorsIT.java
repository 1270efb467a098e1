package dev.socketserver.it.container;

import io.grpc.Status;

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
     * No: after a client reset, Tomcat 11.0.24 often fails the stream with "Calling
     * [asyncPostProcess()] is not valid for a request with Async state [MUST_ERROR]", treats it
     * as fatal to the connection (GOAWAY INTERNAL_ERROR: the other calls on it fail), and a
     * request it processes right after, even on another connection, can get HTTP 500
     * ("Mapping was already done on this request"). See docs/DEPLOYING.md.
     */
    @Override
    boolean cancellationSparesTheConnection() {
        return false;
    }
}
