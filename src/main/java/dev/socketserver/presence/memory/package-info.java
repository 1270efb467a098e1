/** In-process presence: single node only. */
package dev.socketserver.presence.memory;
