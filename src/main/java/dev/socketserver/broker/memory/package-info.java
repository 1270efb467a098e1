/** The in-process broker: single node only. */
package dev.socketserver.broker.memory;
