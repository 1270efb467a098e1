package dev.socketserver.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The container's request thread pools, read through the JMX beans the containers publish, so the
 * WAR imports no container class: Tomcat's connector pools ({@code *:type=ThreadPool,name=...},
 * registered by default) and Jetty's {@code QueuedThreadPool}s (registered only when the
 * distribution runs its {@code jmx} module). Where neither is registered (embedded Jetty without
 * JMX) the gauges have no samples. The {@code pool} label is the bean's name or id: one per
 * configured connector or pool.
 */
final class ContainerPools {
    private static final Logger LOG = Logger.getLogger(ContainerPools.class.getName());

    /** How one container names a pool's bean and its attributes. */
    private record Kind(String pattern, String nameKey, String threads, String busy, String max) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("*:type=ThreadPool,*", "name", "currentThreadCount", "currentThreadsBusy", "maxThreads"),
            new Kind("org.eclipse.jetty.util.thread:type=queuedthreadpool,*", "id", "threads", "busyThreads", "maxThreads"));

    private ContainerPools() {
    }

    static void register(PrometheusRegistry registry) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        GaugeWithCallback.builder().name("socketserver_container_pool_threads")
                .help("threads of the container's request thread pool (Tomcat always; Jetty with its jmx module)")
                .labelNames("pool")
                .callback(cb -> each(server, (k, pool, bean) -> cb.call(number(server, bean, k.threads()), pool)))
                .register(registry);
        GaugeWithCallback.builder().name("socketserver_container_pool_busy_threads")
                .help("threads of the container's request thread pool running a task")
                .labelNames("pool")
                .callback(cb -> each(server, (k, pool, bean) -> cb.call(number(server, bean, k.busy()), pool)))
                .register(registry);
        GaugeWithCallback.builder().name("socketserver_container_pool_max_threads")
                .help("the most threads the container's request thread pool may have")
                .labelNames("pool")
                .callback(cb -> each(server, (k, pool, bean) -> cb.call(number(server, bean, k.max()), pool)))
                .register(registry);
    }

    private interface Visit {
        void pool(Kind kind, String pool, ObjectName bean);
    }

    private static void each(MBeanServer server, Visit visit) {
        for (Kind k : KINDS) {
            try {
                for (ObjectName bean : server.queryNames(new ObjectName(k.pattern()), null)) {
                    String name = bean.getKeyProperty(k.nameKey());
                    // Tomcat answers -1 for a connector that runs on a shared executor.
                    if (name != null && number(server, bean, k.threads()) >= 0) {
                        visit.pool(k, name.replace("\"", ""), bean);
                    }
                }
            } catch (JMException | RuntimeException e) {
                LOG.log(Level.FINE, "container thread pools not readable through JMX", e);
            }
        }
    }

    /** The attribute as a number; NaN when the bean does not have it (or it is not a number). */
    private static double number(MBeanServer server, ObjectName bean, String attribute) {
        try {
            return server.getAttribute(bean, attribute) instanceof Number n ? n.doubleValue() : Double.NaN;
        } catch (JMException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
