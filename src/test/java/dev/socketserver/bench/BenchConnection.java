package dev.socketserver.bench;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One benchmark connection: plain state, owned and touched only by its {@link ClientThread}
 * (which holds the protocol logic). Kept small: buffers exist only while needed (the
 * handshake request until sent, a carry when a frame straddles reads, unsent output when the
 * socket did not take a write whole).
 */
final class BenchConnection {
    static final byte CONNECTING = 0;
    static final byte HANDSHAKE = 1;
    static final byte OPEN = 2;
    static final byte CLOSED = 3;

    final ClientThread thread;
    final boolean stalled;
    SocketChannel channel;
    SelectionKey key;
    byte state = CONNECTING;
    /** A stalled connection that stopped reading (no OP_READ interest). */
    boolean paused;
    /** Holds one of the fleet's handshake permits. */
    boolean permitHeld;
    /** Close the socket once {@link #out} is written (after answering a close frame). */
    boolean closeAfterFlush;
    long startedNanos;
    /** The upgrade request, until written; the key, until the response is checked. */
    byte[] request;
    String wsKey;
    /** The start of a frame (or of the response head) that did not fit in the last read. */
    byte[] carry;
    int carryLength;
    /** A frame larger than the thread's read buffer, being read whole. */
    ByteBuffer big;
    /** Output the socket did not take yet (write mode), or null. */
    ByteBuffer out;
    /**
     * The stream offset of the last notification received ({@code -1}: none yet). Each mode
     * feeds a connection from one stream (its room, its user's, or everyone's), whose offsets
     * must increase.
     */
    long lastOffset = -1;

    BenchConnection(ClientThread thread, boolean stalled, byte[] request, String wsKey) {
        this.thread = thread;
        this.stalled = stalled;
        this.request = request;
        this.wsKey = wsKey;
    }
}
