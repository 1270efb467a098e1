package dev.socketserver.bootstrap;

import dev.socketserver.node.Node;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;

/**
 * The one application instance of this deployment, as a CDI {@code @ApplicationScoped} bean
 * shared by the WebSocket and gRPC edges; other beans may inject the {@link Node}.
 */
@ApplicationScoped
public class ServerRuntime {
    private Application application;

    /** Builds the application; the returned object outlives the CDI container for shutdown. */
    Application start(ServletContext context) {
        application = new Application(context);
        return application;
    }

    @Produces
    @Dependent
    Node node() {
        return application.node();
    }
}
