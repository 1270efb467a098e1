/**
 * The values that travel through the server: targets, notifications, publications, stream
 * positions, and the one place a publication is rendered to its JSON frame. Pure Java, no
 * transport types.
 */
package dev.socketserver.message;
