package dev.socketserver.message;

/**
 * Renders a publication as the frame clients receive (protocol v1):
 * {@code {"type":"info","entityId":"e","message":<body>,"room":"R","offset":42,"epoch":"E"}}.
 * {@code room} appears only for room notifications, {@code "private":true} only for a user's
 * private stream, {@code offset}/{@code epoch} only where the stream keeps history (each stream
 * has its own offsets). Called once per publication; every recipient shares the result.
 */
public final class NotificationFrames {
    private NotificationFrames() {
    }

    /** Room for the {@code offset}/{@code epoch} members a stream position adds to a frame. */
    static final int POSITION_ALLOWANCE = 128;

    /**
     * An upper bound of the UTF-8 size of the frame {@link #render} makes of {@code n} published
     * to {@code target}, whatever position the broker gives it. Renders only a notification that
     * could come near {@code limit}.
     */
    public static long maxBytes(Target target, Notification n, long limit) {
        long chars = 96L + n.type().length() + n.entityId().length() + n.bodyJson().length()
                + (target instanceof Target.Room r ? r.name().length() : 0);
        // A char is at most 3 bytes of UTF-8, and escaping at most 6 chars of ASCII.
        if (6 * chars + POSITION_ALLOWANCE <= limit) {
            return 6 * chars + POSITION_ALLOWANCE;
        }
        return render(new Publication(target, n, null)).bytes() + (long) POSITION_ALLOWANCE;
    }

    public static Frame render(Publication p) {
        Notification n = p.notification();
        StringBuilder sb = new StringBuilder(64 + n.bodyJson().length() + n.entityId().length());
        sb.append("{\"type\":");
        Json.quote(sb, n.type());
        sb.append(",\"entityId\":");
        Json.quote(sb, n.entityId());
        sb.append(",\"message\":").append(n.bodyJson());
        if (p.target() instanceof Target.Room room) {
            sb.append(",\"room\":");
            Json.quote(sb, room.name());
        } else if (p.target() instanceof Target.User) {
            sb.append(",\"private\":true");
        }
        StreamPosition pos = p.position();
        if (pos != null) {
            sb.append(",\"offset\":").append(pos.offset()).append(",\"epoch\":");
            Json.quote(sb, pos.epoch());
        }
        return Frame.of(sb.append('}').toString());
    }
}
