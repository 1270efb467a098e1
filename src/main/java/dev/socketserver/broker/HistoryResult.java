package dev.socketserver.broker;

import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import java.util.List;

/**
 * @param publications the retained publications that match the query, in the order asked for
 * @param position     the stream's current (latest) position; offset 0 when nothing was published
 *                     or the history expired entirely
 * @param oldestOffset the smallest offset still retained (position.offset + 1 when none)
 */
public record HistoryResult(List<Publication> publications, StreamPosition position, long oldestOffset) {
    public HistoryResult {
        publications = List.copyOf(publications);
    }
}
