/**
 * Cluster integration tests: three nodes as separate processes - the WAR in stock Tomcat, in
 * stock Jetty and in embedded Jetty - sharing one Redis, each test class with a cluster of its
 * own and a fresh key prefix, so runs never see each other's state.
 */
package dev.socketserver.it.cluster;
