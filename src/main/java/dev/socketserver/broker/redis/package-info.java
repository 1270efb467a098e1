/**
 * The Redis engine behind the {@link dev.socketserver.broker.Broker} seam: any number of nodes
 * share streams, history, positions and control through Redis (one server, independent shards,
 * or a Redis Cluster). {@link dev.socketserver.broker.redis.RedisEngine} connects and gives the
 * broker and the presence manager that share its connections. docs/SCALING.md has the design.
 */
package dev.socketserver.broker.redis;
