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
}
