/**
 * Settings from the environment: JVM system properties, then environment variables, then
 * servlet context parameters, all under the same names. Validated once at start-up; every
 * problem is reported in one message.
 */
package dev.socketserver.config;
