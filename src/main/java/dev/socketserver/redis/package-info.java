/**
 * The connections to Redis that {@code broker.redis} and {@code presence.redis} share: one
 * command connection and one pub/sub connection per shard (or per Redis Cluster), where each
 * stream and room is placed, the key layout, and server-side scripts with their fallback.
 * Errors reaching Redis become {@code UNAVAILABLE} {@code ServerException}s here.
 */
package dev.socketserver.redis;
