/**
 * The demo page ({@code /demo/}, only with {@code DEMO_ENABLED=true}): static files kept under
 * {@code WEB-INF/demo} in the WAR, built on the JavaScript client ({@code clients/js}), which the
 * build copies next to them.
 */
package dev.socketserver.transport.demo;
