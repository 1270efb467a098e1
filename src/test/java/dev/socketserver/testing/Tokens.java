package dev.socketserver.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.function.Consumer;

/** Mints HS256 connection tokens for tests. */
public final class Tokens {
    /** The test deployments' AUTH_JWT_SECRET: 64 bytes, enough for HS512 too. */
    public static final String SECRET = "test-secret-0123456789abcdef-0123456789abcdef-0123456789abcdef-0";

    private Tokens() {
    }

    public static String forUser(String sub) {
        return hs256(SECRET, c -> c.subject(sub).expirationTime(Date.from(Instant.now().plusSeconds(3600))));
    }

    public static String hs256(String secret, Consumer<JWTClaimsSet.Builder> claims) {
        return sign(secret, JWSAlgorithm.HS256, claims);
    }

    public static String sign(String secret, JWSAlgorithm alg, Consumer<JWTClaimsSet.Builder> claims) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
        claims.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), b.build());
        try {
            jwt.sign(new MACSigner(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
