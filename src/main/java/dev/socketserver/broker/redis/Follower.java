package dev.socketserver.broker.redis;

import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.redis.Shard;
import java.util.ArrayDeque;

/**
 * What this node knows of one stream it follows: the last position handed to the node, and
 * the messages held while a repair reads the missing ones from history. Guarded by itself; the
 * stream's delivery lane (one thread per stream) takes it, for messages and repairs alike, so the node is
 * given the stream's publications one at a time, in offset order.
 */
final class Follower {
    final Target target;
    final byte[] channel;
    final Shard shard;
    /** The epoch of {@link #last}. */
    String epoch;
    /** The last offset handed to the node; -1 before the first positioned message. */
    long last = -1;
    /** The stream's position read just after subscribing; the reference until a message arrives. */
    StreamPosition known;
    /** A message without a position was handed over: such a stream cannot be repaired after a link loss. */
    boolean unpositioned;
    boolean repairing;
    final ArrayDeque<Codec.Message> pending = new ArrayDeque<>();
    boolean closed;
    /** The node follows it (changed in the followers map's compute, so in call order). */
    volatile boolean wanted;

    /** The thread that hands this stream's publications to the node. */
    final java.util.concurrent.Executor lane;

    Follower(Target target, byte[] channel, Shard shard, java.util.concurrent.Executor lane) {
        this.lane = lane;
        this.target = target;
        this.channel = channel;
        this.shard = shard;
    }

    /** The last position the node was given, or the one read at subscribe; {@code null} if neither. */
    StreamPosition reference() {
        return last >= 0 ? new StreamPosition(last, epoch) : known;
    }
}
