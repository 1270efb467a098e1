/** In-process presence: one node in production; nodes of one JVM may share one instance (the contract tests run two). */
package dev.socketserver.presence.memory;
