package dev.socketserver.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Backend API keys ({@code API_KEYS}), checked the same way by every backend API: an
 * {@code Authorization: Bearer <key>} value compared in constant time against every key.
 * Thread-safe and immutable.
 */
public final class ApiKeys {
    private final List<byte[]> keys;
    private final boolean insecure;

    /** @param insecure accept calls without a key ({@code API_INSECURE}, local development only) */
    public ApiKeys(List<String> keys, boolean insecure) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.insecure = insecure;
    }

    /** @return {@code null} when the call may proceed, else why not (safe to return to the caller) */
    public String check(String authorization) {
        if (insecure) {
            return null;
        }
        if (keys.isEmpty()) {
            return "no API key is configured on the server (set API_KEYS); every call is refused";
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "missing API key: send 'authorization: Bearer <key>'";
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] key : keys) {
            ok |= MessageDigest.isEqual(key, given);
        }
        return ok ? null : "invalid API key";
    }
}
