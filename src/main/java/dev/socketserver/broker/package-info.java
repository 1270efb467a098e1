/**
 * The broker seam: accepts publications for streams, assigns positions, keeps history and
 * calls back every node. {@code broker.memory} holds the single-node default.
 */
package dev.socketserver.broker;
