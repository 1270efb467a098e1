package dev.socketserver.transport.websocket;

import dev.socketserver.auth.Principal;
import dev.socketserver.config.Config;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.message.Frame;
import dev.socketserver.message.Json;
import dev.socketserver.message.RoomNames;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.node.RoomGrants;
import dev.socketserver.stats.Stats;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One WebSocket connection: reads commands, answers on the client's own outbound queue (so
 * replies and notifications keep their order), and closes the connection when its token
 * expires unless a refresh arrived (checked by {@link WebSocketGateway}'s expiry sweep). Public only
 * because containers require it of endpoint classes.
 *
 * <p>Every field here lives as long as the connection, so an idle connection keeps only what it
 * needs: the rate limiter is made on the first inbound frame, the handshake's findings
 * ({@link UpgradeServlet.Admitted}) are dropped once used, and token expiry is a timestamp
 * instead of a scheduled task.
 */
public final class WsEndpoint extends Endpoint implements WebSocketGateway.Expiring {
    private static final Logger LOG = Logger.getLogger(WsEndpoint.class.getName());
    private static final String TOMCAT_BLOCKING_SEND_TIMEOUT = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";
    private static final Long BLOCKING_SEND_TIMEOUT_MS = 2000L;
    /** Bad requests in a row after which the connection is closed with 4502 (README, close codes). */
    static final int MAX_BAD_REQUESTS_IN_A_ROW = 20;

    private final WebSocketGateway gateway;
    private volatile Principal principal;
    private volatile Client client;
    /** Whether this connection holds one of its user's {@link UserSlots}: from onOpen to onClose. */
    private volatile boolean holdsSlot;
    /** The token's expiry in epoch milliseconds; {@code Long.MAX_VALUE} if it never expires. */
    private volatile long expiresAtMillis = Long.MAX_VALUE;
    /** Made on the first inbound frame: most connections of a notification server never send one. */
    private CommandRateLimiter limiter;
    /** A fragmented text message so far; null between messages. */
    private StringBuilder fragments;
    /** UTF-8 bytes of the message being received (text or binary: WebSocket never interleaves them). */
    private long messageBytes;
    /** {@code bad_request} answers since the last frame that was not one (frames arrive one at a time). */
    private int badRequestsInARow;
    /**
     * {@code ROOMS_POLICY=claims}: rooms this connection entered on its token's grant (not those a
     * backend's {@code Subscribe} put it in, which bypass the policy); made on the first enter.
     */
    private Set<String> enteredOnGrant;

    WsEndpoint(WebSocketGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        boolean tomcat = session.getClass().getName().startsWith("org.apache.tomcat.");
        if (!tomcat) {
            // Tomcat would allocate buffers of this size for each connection's first message and
            // keep them (text as a CharBuffer: 128 KB at 64 KiB); with partial handlers its small
            // buffers (web.xml) only split bigger messages, and onTextPart enforces the limit.
            int max = gateway.config.wsMaxMessageBytes();
            session.setMaxTextMessageBufferSize(max);
            session.setMaxBinaryMessageBufferSize(max);
        }
        session.setMaxIdleTimeout(gateway.maxIdleMillis());
        // The per-connection user properties are ours: they bring what the handshake admitted.
        // Jetty also fills them with the socket addresses and the request's locales (kept as
        // long as the connection otherwise); Tomcat reads its blocking-send timeout (its own
        // pong replies and close flushes, and pings on the portable path) from them.
        Object admitted = config.getUserProperties().remove(UpgradeServlet.ADMITTED);
        Map<String, Object> props = session.getUserProperties();
        props.clear();
        if (tomcat) {
            props.put(TOMCAT_BLOCKING_SEND_TIMEOUT, BLOCKING_SEND_TIMEOUT_MS);
        }
        if (!(admitted instanceof UpgradeServlet.Admitted a)) {
            LOG.warning("WebSocket opened without a checked handshake; closing it");
            closeQuietly(session, Disconnect.SERVER_ERROR);
            return;
        }
        principal = a.principal();
        holdsSlot = true; // every Admitted was given a slot by the handshake
        Map<Target, StreamPosition> recover = a.recover();
        try {
            client = gateway.node.connect(principal.userId(), new SessionTransport(session, gateway.pools,
                            gateway.config.wsWritePath()),
                    List.copyOf(recover.keySet()));
        } catch (ServerException e) {
            // Lost a race for the node-wide limit or with shutdown after the servlet's checks.
            releaseSlot();
            closeQuietly(session, e.code() == ErrorCode.LIMIT_EXCEEDED ? Disconnect.CONNECTION_LIMIT : Disconnect.GOING_AWAY);
            return;
        }
        // Partial handlers, reassembled here: Jetty gives whole-message handlers per-session
        // decoder lists and sinks (~0.5 KB per connection, kept for its whole life). They need
        // no decoders: JettyTrim leaves sessions empty codec registries.
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>) this::onTextPart);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) this::onBinaryPart);
        session.addMessageHandler(PongMessage.class, p -> client.onPong());
        gateway.node.stats().handshake(101);
        trackExpiry();
        recover.forEach((target, since) -> {
            String stream = target instanceof Target.User ? "private" : "all";
            gateway.node.recover(client, target, since).whenComplete((r, e) -> reply(e != null
                    ? errorFrame(null, ErrorCode.UNAVAILABLE, "could not recover the " + stream + " stream")
                    : "{\"action\":\"recovered\",\"stream\":\"" + stream + "\",\"recovered\":" + r.recovered()
                            + CommandCodec.positionFields(r.position()) + "}"));
        });
    }

    /**
     * Liveness and rate limit for every inbound frame; false if the frame must be dropped (a
     * refused frame is answered with its id, read by the cheap scan that found {@code head}).
     */
    private boolean admit(CommandHead head) {
        client.onPong();
        CommandRateLimiter l = limiter;
        if (l == null) {
            // A bucket made at open would be full by now too: same limits as one made then.
            limiter = l = new CommandRateLimiter(gateway.config.commandRate(), gateway.config.commandBurst(),
                    gateway.config.maxRoomsPerConnection());
        }
        switch (l.onFrame(head.isRoomCommand())) {
            case ALLOW -> {
                return true;
            }
            case REJECT -> {
                reply(errorFrame(head.id(), ErrorCode.TOO_MANY_REQUESTS,
                        "more than " + (long) gateway.config.commandRate() + " commands per second; slow down"));
                gateway.node.stats().command(Stats.Action.OTHER, ErrorCode.TOO_MANY_REQUESTS);
                return false;
            }
            default -> {
                client.closeAfterWrites(Disconnect.TOO_MANY_REQUESTS);
                return false;
            }
        }
    }

    /**
     * A text message's next fragment (usually its only one): whole messages go to
     * {@link #onText}; over {@code WS_MAX_MESSAGE_BYTES} the connection is closed with 1009, as
     * the container does for whole-message handlers.
     */
    private void onTextPart(String part, boolean last) {
        // Every char is at least one UTF-8 byte, so a part longer than the room left is too big.
        long room = gateway.config.wsMaxMessageBytes() - messageBytes;
        if (overLimit(part.length() > room ? part.length() : RoomNames.utf8Length(part))) {
            return;
        }
        if (last && fragments == null) {
            messageBytes = 0;
            onText(part);
            return;
        }
        StringBuilder f = fragments == null ? (fragments = new StringBuilder()) : fragments;
        f.append(part);
        if (last) {
            fragments = null;
            messageBytes = 0;
            onText(f.toString());
        }
    }

    /** Binary messages are refused with an error once whole; over the limit, closed with 1009. */
    private void onBinaryPart(ByteBuffer part, boolean last) {
        if (overLimit(part.remaining()) || !last) {
            return;
        }
        messageBytes = 0;
        if (admit(CommandHead.NONE)) {
            replyError(Stats.Action.OTHER, null, ServerException.badRequest("binary frames are not supported; send JSON text"));
        }
    }

    /** Counts {@code bytes} more of the current message; closes with 1009 once it is over the limit. */
    private boolean overLimit(long bytes) {
        messageBytes += bytes;
        if (messageBytes <= gateway.config.wsMaxMessageBytes()) {
            return false;
        }
        fragments = null;
        messageBytes = 0;
        client.close(Disconnect.MESSAGE_TOO_BIG);
        return true;
    }

    private void onText(String text) {
        Client c = client;
        boolean keepAlive = "0".equals(text); // the old client keep-alive: counted, then ignored
        CommandHead head = keepAlive ? CommandHead.NONE : CommandHead.scan(text);
        if (!admit(head) || keepAlive) {
            return;
        }
        Command cmd;
        try {
            cmd = gateway.codec.parse(head, text);
        } catch (CommandCodec.CommandException e) {
            replyError(Stats.Action.OTHER, e.id, e.error);
            return;
        }
        Stats.Action action = action(cmd);
        try {
            if (cmd instanceof Command.Enter enter) {
                if (checkRoomGrant(enter.room())) {
                    (enteredOnGrant == null ? enteredOnGrant = new HashSet<>() : enteredOnGrant).add(enter.room());
                }
                gateway.node.enter(c, enter.room(), enter.since()).whenComplete((r, e) -> {
                    if (e != null) {
                        replyError(action, cmd.id(), e);
                        return;
                    }
                    gateway.node.stats().command(action, null);
                    if (cmd.id() != null) {
                        String recovered = r.recovered() == null ? "" : ",\"recovered\":" + r.recovered();
                        reply(CommandCodec.ok(cmd.id(), roomField(enter.room()) + recovered
                                + CommandCodec.positionFields(r.position())));
                    }
                });
            } else if (cmd instanceof Command.Leave leave) {
                gateway.node.leave(c, leave.room());
                if (enteredOnGrant != null) {
                    enteredOnGrant.remove(leave.room());
                }
                replyOk(cmd.id(), roomField(leave.room()));
            } else if (cmd instanceof Command.Ping ping) {
                reply(CommandCodec.ok(ping.id(), ",\"pong\":true"));
            } else if (cmd instanceof Command.Refresh refresh) {
                refresh(refresh);
            }
            if (action != Stats.Action.ENTER) {
                gateway.node.stats().command(action, null); // an enter is counted when it completes
            }
            badRequestsInARow = 0;
        } catch (RuntimeException e) {
            replyError(action, cmd.id(), e);
        }
    }

    private static Stats.Action action(Command cmd) {
        if (cmd instanceof Command.Enter) {
            return Stats.Action.ENTER;
        } else if (cmd instanceof Command.Leave) {
            return Stats.Action.LEAVE;
        } else if (cmd instanceof Command.Ping) {
            return Stats.Action.PING;
        }
        return cmd instanceof Command.Refresh ? Stats.Action.REFRESH : Stats.Action.OTHER;
    }

    private void replyError(Stats.Action action, String id, Throwable t) {
        Throwable e = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        ErrorCode code = e instanceof ServerException se ? se.code() : ErrorCode.INTERNAL;
        gateway.node.stats().command(action, code);
        if (e instanceof ServerException se) {
            reply(errorFrame(id, se.code(), se.getMessage()));
            if (se.code() == ErrorCode.BAD_REQUEST && ++badRequestsInARow >= MAX_BAD_REQUESTS_IN_A_ROW) {
                client.closeAfterWrites(Disconnect.BAD_REQUESTS);
            }
        } else {
            LOG.log(Level.WARNING, "command failed on " + client, e);
            reply(errorFrame(id, ErrorCode.INTERNAL, "internal error"));
        }
    }

    /** An error frame, counted by its code. */
    private String errorFrame(String id, ErrorCode code, String message) {
        gateway.node.stats().errorFrame(code);
        return CommandCodec.error(id, code, message);
    }

    /** @return whether the room policy is {@code claims} (and the token grants the room) */
    private boolean checkRoomGrant(String room) {
        if (gateway.config.roomsPolicy() != Config.RoomsPolicy.CLAIMS) {
            return false;
        }
        if (!RoomGrants.allows(principal.rooms(), RoomNames.validate(room))) {
            throw new ServerException(ErrorCode.FORBIDDEN, "your token does not grant this room");
        }
        return true;
    }

    private void refresh(Command.Refresh refresh) {
        Principal next = gateway.verifier.verify(refresh.token());
        if (!next.userId().equals(principal.userId())) {
            throw new ServerException(ErrorCode.FORBIDDEN, "the new token is for another user");
        }
        principal = next;
        trackExpiry();
        List<String> revoked = revokeUngrantedRooms();
        if (!revoked.isEmpty()) {
            StringBuilder frame = new StringBuilder("{\"action\":\"revoked\",\"rooms\":[");
            for (int i = 0; i < revoked.size(); i++) {
                Json.quote(i == 0 ? frame : frame.append(','), revoked.get(i));
            }
            reply(frame.append("]}").toString());
        }
        replyOk(refresh.id(), "");
    }

    /**
     * With {@code ROOMS_POLICY=claims}, leaves every room entered on a grant the current token no
     * longer gives, so a narrower token narrows access at once; returns those rooms.
     */
    private List<String> revokeUngrantedRooms() {
        if (enteredOnGrant == null) {
            return List.of();
        }
        List<String> revoked = new ArrayList<>();
        for (Iterator<String> it = enteredOnGrant.iterator(); it.hasNext(); ) {
            String room = it.next();
            if (!RoomGrants.allows(principal.rooms(), room)) {
                it.remove();
                if (client.rooms().contains(room)) {
                    gateway.node.leave(client, room);
                    revoked.add(room);
                }
            }
        }
        return revoked;
    }

    /** Registers the current token's expiry with the gateway's sweep (or leaves it, if none). */
    private void trackExpiry() {
        Instant exp = principal.expiresAt();
        if (exp == null) {
            expiresAtMillis = Long.MAX_VALUE;
            gateway.untrackExpiry(this);
        } else {
            expiresAtMillis = exp.toEpochMilli();
            gateway.trackExpiry(this);
            Client c = client;
            if (c != null && c.isClosed()) {
                gateway.untrackExpiry(this); // closed meanwhile: onClose may have run before the add
            }
        }
    }

    /** Called by the gateway's sweep: closes with 4001 if the token has expired by {@code nowMillis}. */
    @Override
    public boolean expireIfDue(long nowMillis) {
        if (nowMillis < expiresAtMillis) {
            return false;
        }
        Client c = client;
        if (c != null) {
            c.close(Disconnect.TOKEN_EXPIRED);
        }
        return true;
    }

    private static String roomField(String room) {
        return Json.quote(new StringBuilder(",\"room\":"), room).toString();
    }

    private void replyOk(String id, String extra) {
        if (id != null) {
            reply(CommandCodec.ok(id, extra));
        }
    }

    private void reply(String json) {
        client.send(Frame.of(json));
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        gateway.untrackExpiry(this);
        Client c = client;
        if (c != null) {
            c.transportClosed();
        }
        releaseSlot();
    }

    private void releaseSlot() {
        if (holdsSlot) {
            holdsSlot = false;
            gateway.slots.release(principal.userId());
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.log(Level.FINE, "WebSocket error", thr);
    }

    private void closeQuietly(Session session, Disconnect why) {
        gateway.node.stats().closeSent(why.code());
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(why.code()), why.reason()));
        } catch (IOException e) {
            LOG.log(Level.FINE, "close failed", e);
        }
    }
}
