/**
 * The Prometheus binding: reads the node's {@link dev.socketserver.stats.Stats} and gauges at
 * scrape time and renders them, with the JVM's metrics and the container's thread pools (read
 * from the JMX beans the container publishes), through the Prometheus Java client
 * (text format, or OpenMetrics when the scraper asks). Registered at bootstrap; served by
 * {@code transport.http.MetricsServlet}. The only package that imports the Prometheus library.
 * README.md (Operations, Metrics) lists every metric, its type and labels.
 */
package dev.socketserver.metrics;
