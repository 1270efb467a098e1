package dev.socketserver.auth;

import java.time.Duration;

/**
 * How a JWKS is fetched and cached.
 *
 * @param timeToLive         how long a fetched key set is used before it must be refetched
 * @param refreshAhead       within this much of expiry, a verification triggers a background refetch
 * @param refreshTimeout     how long a verification waits for another thread's fetch
 * @param minRefetchInterval at most two fetches per this interval (a token with an unknown
 *                           {@code kid} triggers one, rotations need it; an attacker's stream of
 *                           unknown kids must not turn into a stream of fetches)
 * @param outageTolerance    if a refetch fails, the last good set is kept this long past its expiry
 * @param connectTimeout     HTTP connect timeout
 * @param readTimeout        HTTP read timeout
 * @param maxBytes           largest JWKS document accepted
 */
record JwksOptions(Duration timeToLive, Duration refreshAhead, Duration refreshTimeout,
        Duration minRefetchInterval, Duration outageTolerance, Duration connectTimeout,
        Duration readTimeout, int maxBytes) {

    static final JwksOptions DEFAULTS = new JwksOptions(Duration.ofMinutes(5), Duration.ofSeconds(30),
            Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(2),
            Duration.ofSeconds(2), 256 * 1024);

    JwksOptions {
        if (refreshAhead.plus(refreshTimeout).compareTo(timeToLive) > 0) {
            throw new IllegalArgumentException("refreshAhead + refreshTimeout must not exceed timeToLive");
        }
        if (minRefetchInterval.compareTo(timeToLive) >= 0) {
            throw new IllegalArgumentException("minRefetchInterval must be shorter than timeToLive");
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
    }
}
