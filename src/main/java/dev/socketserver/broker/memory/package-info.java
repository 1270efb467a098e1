/**
 * The in-process broker: a {@link dev.socketserver.broker.memory.MemoryEngine} holds the state,
 * each node connects to it with a {@link dev.socketserver.broker.memory.MemoryBroker}. One node
 * in production; nodes of one JVM may share an engine (the contract tests run two).
 */
package dev.socketserver.broker.memory;
