package dev.socketserver.auth;

import java.util.ArrayList;
import java.util.List;

/** Builds the server's {@link TokenVerifier} from its settings. */
public final class TokenVerifiers {
    private TokenVerifiers() {
    }

    /**
     * The verifier the settings describe. Exactly one key source may be set; a blank value counts
     * as unset.
     *
     * @param hmacSecret {@code AUTH_JWT_SECRET}: HS256/384/512 shared secret, at least 32 bytes
     * @param publicKey  {@code AUTH_JWT_PUBLIC_KEY}: inline PEM (starts with {@code -----BEGIN})
     *                   or a PEM file path; {@code PUBLIC KEY} or {@code CERTIFICATE}; RSA
     *                   (2048+ bits), EC P-256/384/521 or Ed25519
     * @param jwksUrl    {@code AUTH_JWKS_URL}: http(s) URL of a JSON Web Key Set
     * @param audience   {@code AUTH_JWT_AUDIENCE}: if set, {@code aud} must contain it
     * @param issuer     {@code AUTH_JWT_ISSUER}: if set, {@code iss} must equal it
     * @return the verifier, or {@code null} if no key source is set (the caller refuses all
     *     connections). The caller closes it at shutdown.
     * @throws IllegalArgumentException if more than one key source is set, or the key material is
     *     invalid; the message names the setting and never contains key material
     */
    public static TokenVerifier fromSettings(String hmacSecret, String publicKey, String jwksUrl,
            String audience, String issuer) {
        List<String> set = new ArrayList<>();
        if (isSet(hmacSecret)) {
            set.add("AUTH_JWT_SECRET");
        }
        if (isSet(publicKey)) {
            set.add("AUTH_JWT_PUBLIC_KEY");
        }
        if (isSet(jwksUrl)) {
            set.add("AUTH_JWKS_URL");
        }
        if (set.size() > 1) {
            throw new IllegalArgumentException("set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and "
                    + "AUTH_JWKS_URL; found " + String.join(" and ", set));
        }
        if (set.isEmpty()) {
            return null;
        }
        if (isSet(hmacSecret)) {
            return JwtTokenVerifier.hmac(hmacSecret, audience, issuer);
        }
        if (isSet(publicKey)) {
            return JwtTokenVerifier.publicKey(publicKey, audience, issuer);
        }
        return JwtTokenVerifier.jwks(jwksUrl, audience, issuer);
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
