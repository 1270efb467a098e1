package dev.socketserver.message;

import java.util.Objects;

/**
 * A position in a stream. Offsets grow by one per publication; the epoch changes whenever the
 * stream's history is lost or reset, which makes older offsets meaningless.
 */
public record StreamPosition(long offset, String epoch) {
    public StreamPosition {
        Objects.requireNonNull(epoch, "epoch");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0");
        }
    }
}
