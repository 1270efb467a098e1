package dev.socketserver.it.cluster;

import dev.socketserver.testing.WsClient;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * What a client application does with one room across reconnects: remembers the last position,
 * drops duplicates by offset (within one epoch) and counts what it got.
 */
final class StreamReader {
    final String room;
    final Set<Long> offsets = new HashSet<>();
    long duplicates;
    long lastOffset;
    String epoch;

    StreamReader(String room) {
        this.room = room;
    }

    /** Takes every notification of the room {@code c} has queued, waiting up to {@code quiet} for each. */
    void drain(WsClient c, Duration quiet) {
        String raw;
        while ((raw = c.poll(quiet)) != null) {
            take(WsClient.parse(raw));
        }
    }

    /** Takes one frame: a notification of the room counts, anything else is ignored. */
    void take(JsonObject o) {
        if (o.containsKey("id") || !room.equals(o.getString("room", null)) || !o.containsKey("offset")) {
            return;
        }
        long offset = o.getJsonNumber("offset").longValue();
        String e = o.getString("epoch");
        if (epoch != null && !epoch.equals(e)) {
            throw new AssertionError("epoch changed from " + epoch + " to " + e + " at offset " + offset);
        }
        epoch = e;
        if (!offsets.add(offset)) {
            duplicates++;
        }
        lastOffset = Math.max(lastOffset, offset);
    }

    /** The enter command that resumes from the last position. */
    String resume(Object id) {
        return "{\"id\":" + id + ",\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                + lastOffset + ",\"epoch\":\"" + epoch + "\"}}";
    }
}
