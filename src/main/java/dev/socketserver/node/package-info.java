/**
 * The facade every transport calls: publish, subscribe on a client's behalf, connect,
 * disconnect, drain. It is the broker's event handler and renders each publication once.
 */
package dev.socketserver.node;
