/**
 * Container matrix: the real WAR in the STOCK Tomcat 11 and Jetty 12 distributions (unpacked
 * into {@code target/dist} by the build), each started as a separate process with the
 * deployment files under {@code deploy/}, and driven by real WebSocket and gRPC clients.
 */
package dev.socketserver.it.container;
