/**
 * The facade every transport calls: publish, subscribe on a client's behalf, connect,
 * disconnect, drain, and say whether the node is ready ({@link dev.socketserver.node.Readiness}).
 * It is the broker's event handler and renders each publication once.
 */
package dev.socketserver.node;
