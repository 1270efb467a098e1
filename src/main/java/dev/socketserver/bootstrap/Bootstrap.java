package dev.socketserver.bootstrap;

import dev.socketserver.config.ConfigException;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.logging.Logger;

/**
 * Declared in web.xml (a listener declared there may add servlets). Starts the CDI-managed
 * {@link ServerRuntime} and stops its {@link Application} on undeploy. Weld may already be shut
 * down when {@link #contextDestroyed} runs, so the plain application object is kept here.
 */
public class Bootstrap implements ServletContextListener {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class.getName());

    private Application application;

    @Override
    public void contextInitialized(ServletContextEvent sce) {
        try {
            application = CDI.current().select(ServerRuntime.class).get().start(sce.getServletContext());
        } catch (ConfigException e) {
            LOG.severe(e.getMessage());
            throw e;
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        if (application != null) {
            application.stop();
        }
    }
}
