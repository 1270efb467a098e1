package dev.socketserver.broker;

import dev.socketserver.message.StreamPosition;

/**
 * @param since   only publications after this position ({@code null}: from the oldest retained);
 *                its epoch must match the stream's, else nothing is returned
 * @param limit   at most this many publications (0: none, only the current position)
 * @param reverse newest first
 */
public record HistoryQuery(StreamPosition since, int limit, boolean reverse) {
    public HistoryQuery {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0");
        }
    }
}
