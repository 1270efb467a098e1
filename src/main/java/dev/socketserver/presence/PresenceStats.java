package dev.socketserver.presence;

/** Counts of a room's presence: connections and distinct users. */
public record PresenceStats(int numClients, int numUsers) {
}
