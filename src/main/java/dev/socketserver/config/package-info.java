/**
 * Settings from the environment: JVM system properties, then environment variables, then
 * servlet context parameters, all under the same names. Validated once at start-up; every
 * problem is reported in one message.
 *
 * <p>Layering: this package is at the bottom. It reads settings into plain values and imports
 * no other package of the project (it knows nothing of {@code node}, {@code hub}, {@code broker},
 * the transports or {@code bootstrap}); the layers above turn its values into their own types
 * (e.g. {@code node} builds its history policy from {@link dev.socketserver.config.HistorySettings}).
 * In general a package imports only packages of lower layers, and the core (every package below
 * the transports) imports no {@code jakarta.*} and no {@code io.grpc.*}: the order is in the
 * README's Architecture section and enforced by {@code LayeringTest}.
 */
package dev.socketserver.config;
