package dev.socketserver.it.container;

import io.grpc.Status;

/** gRPC errors from the WAR in the stock Jetty 12 distribution with a base from {@code deploy/jetty/make-base.sh}. */
class JettyGrpcErrorsIT extends GrpcErrorsDistributionTest {
    @Override
    DistributionServer newServer() {
        return new JettyDistribution();
    }

    /** Jetty's default servlet answers a POST to an unmapped path with 405, which gRPC clients map to UNKNOWN. */
    @Override
    Status.Code unknownServiceCode() {
        return Status.Code.UNKNOWN;
    }

    @Override
    int unknownServiceHttpStatus() {
        return 405;
    }
}
