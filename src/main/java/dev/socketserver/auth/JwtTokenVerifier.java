package dev.socketserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies JWTs with nimbus-jose-jwt. The accepted algorithms are fixed by the configured key
 * (an HMAC secret accepts only HS256/384/512), so {@code alg: none} and algorithm confusion are
 * rejected by construction.
 */
public final class JwtTokenVerifier implements TokenVerifier {
    private final DefaultJWTProcessor<SecurityContext> processor;

    private JwtTokenVerifier(DefaultJWTProcessor<SecurityContext> processor) {
        this.processor = processor;
    }

    /** HS256/384/512 with a shared secret of at least 32 bytes. */
    public static JwtTokenVerifier hmac(String secret, String audience, String issuer) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalArgumentException("AUTH_JWT_SECRET must be at least 32 bytes (256 bits)");
        }
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(
                Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512),
                new ImmutableSecret<>(key)));
        p.setJWTClaimsSetVerifier(claimsVerifier(audience, issuer));
        return new JwtTokenVerifier(p);
    }

    static DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier(String audience, String issuer) {
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (issuer != null) {
            exact.issuer(issuer);
        }
        Set<String> required = new HashSet<>(Set.of("sub"));
        DefaultJWTClaimsVerifier<SecurityContext> v = new DefaultJWTClaimsVerifier<>(
                audience == null ? null : Set.of(audience), exact.build(), required, null);
        v.setMaxClockSkew(5);
        return v;
    }

    @Override
    public Principal verify(String token) {
        if (token == null || token.isBlank()) {
            throw new ServerException(ErrorCode.UNAUTHORIZED, "missing token");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new ServerException(ErrorCode.UNAUTHORIZED, "malformed token");
        } catch (BadJOSEException e) {
            throw new ServerException(ErrorCode.UNAUTHORIZED, "invalid token: " + e.getMessage());
        } catch (JOSEException e) {
            throw new ServerException(ErrorCode.UNAUTHORIZED, "token could not be verified");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty()) {
            throw new ServerException(ErrorCode.UNAUTHORIZED, "token has no sub");
        }
        Instant exp = claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
        return new Principal(sub, exp, roomsClaim(claims));
    }

    private static List<String> roomsClaim(JWTClaimsSet claims) {
        Object raw = claims.getClaim("rooms");
        List<String> rooms = new ArrayList<>();
        if (raw instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s) {
                    rooms.add(s);
                }
            }
        } else if (raw instanceof String s) {
            rooms.add(s);
        }
        return rooms;
    }
}
