/**
 * The core's counting seam: plain {@link java.util.concurrent.atomic.LongAdder} counters that
 * the node, hub, broker and transports increment cheaply ({@link dev.socketserver.stats.Stats}),
 * and the {@link dev.socketserver.stats.EngineGauges} hook through which a broker engine reports
 * what it holds. Nothing here knows about an exposition format: the {@code metrics} package reads
 * these values at scrape time. Depends on nothing but the JDK and {@code error}.
 */
package dev.socketserver.stats;
