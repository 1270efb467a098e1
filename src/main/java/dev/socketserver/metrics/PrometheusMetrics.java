package dev.socketserver.metrics;

import dev.socketserver.node.Node;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;

/**
 * This deployment's metrics: its own registry (never the library's global one, so two
 * deployments in one container do not mix), holding the server's metrics
 * ({@link ServerMetrics}) and the JVM's. The JVM collectors that install listeners in the JVM
 * (allocation by memory pool) or need native memory tracking are left out, so an undeploy leaves
 * nothing of the application behind in the container's JVM.
 *
 * <p>Thread-safe; each scrape reads the values afresh.
 */
public final class PrometheusMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();

    public PrometheusMetrics(Node node) {
        ServerMetrics.register(node, registry);
        ContainerPools.register(registry);
        JvmThreadsMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** One answer to a scrape: its content type, and how to write its body. */
    public final class Scrape {
        private final ExpositionFormatWriter writer;

        private Scrape(ExpositionFormatWriter writer) {
            this.writer = writer;
        }

        public String contentType() {
            return writer.getContentType();
        }

        public void writeTo(OutputStream out) throws IOException {
            writer.write(out, registry.scrape());
        }
    }

    /**
     * The format the {@code Accept} header asks for: OpenMetrics text when it names
     * {@code application/openmetrics-text}, else the Prometheus text format (0.0.4). The
     * protobuf format is not offered.
     */
    public Scrape scrape(String accept) {
        ExpositionFormatWriter writer = formats.getOpenMetricsTextFormatWriter().accepts(accept)
                ? formats.getOpenMetricsTextFormatWriter()
                : formats.getPrometheusTextFormatWriter();
        return new Scrape(writer);
    }
}
