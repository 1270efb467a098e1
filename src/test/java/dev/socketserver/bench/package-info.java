/**
 * The project's benchmark tool: a load generator for a running socket-server.
 *
 * <p>It opens many WebSocket connections (its own raw NIO client: a few selector threads, no
 * thread per connection, spread over 127.0.0.x source addresses), subscribes them to a room (or uses
 * private or broadcast delivery), publishes messages over gRPC at a fixed rate or with K calls
 * in flight, and prints ONE JSON line: deliveries/s, publish-to-receive latency percentiles,
 * loss, close codes, and (given the server's PID) server CPU per delivery and RSS per
 * connection. Each message carries its publish {@code System.nanoTime()} as its body and its
 * sequence number as its {@code entityId}, so the receiver computes latency on the same machine.
 *
 * <p>Entry point: {@link dev.socketserver.bench.Bench}; run it with {@code mvn -Pbench
 * -Dbench.args="..."} against a running server, or {@code bench/run.sh ...}, which also starts
 * and stops the server under test. Results and method: {@code docs/PERFORMANCE.md}.
 * Not part of the shipped WAR (test sources only).
 */
package dev.socketserver.bench;
