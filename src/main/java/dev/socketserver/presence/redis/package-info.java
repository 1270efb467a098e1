/**
 * Presence in Redis, shared by every node: one hash per room (client id to its node, the node's
 * incarnation and the user), placed on the room's shard, and one liveness key per node that a
 * refresh keeps alive. {@link dev.socketserver.broker.redis.RedisEngine} makes it.
 */
package dev.socketserver.presence.redis;
