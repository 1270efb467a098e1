/** Integration tests: the real WAR in a real container, real clients. Run by failsafe after packaging. */
package dev.socketserver.it;
