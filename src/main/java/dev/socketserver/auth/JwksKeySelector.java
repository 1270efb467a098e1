package dev.socketserver.auth;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.Key;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks verification keys from a JWK source by the token's {@code alg} and {@code kid} (nimbus's
 * {@link JWKMatcher#forJWSHeader}). When nothing matches, the JWKS source refetches the set
 * (rate-limited), so a key rotated in under a new {@code kid} is found. Unlike nimbus's
 * {@code JWSVerificationKeySelector} it also yields Ed25519 keys, and it drops keys that do not
 * admit the token's algorithm (a P-384 key for ES256, an RSA key under 2048 bits).
 */
final class JwksKeySelector implements JWSKeySelector<SecurityContext> {
    private final JWKSource<SecurityContext> source;

    JwksKeySelector(JWKSource<SecurityContext> source) {
        this.source = source;
    }

    @Override
    public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
        JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
        if (matcher == null) {
            return List.of();
        }
        List<Key> keys = new ArrayList<>();
        for (JWK jwk : source.get(new JWKSelector(matcher), context)) {
            PublicKey key = SigningKeys.fromJwk(jwk);
            if (key != null && SigningKeys.admits(key, header.getAlgorithm())) {
                keys.add(key);
            }
        }
        return keys;
    }
}
