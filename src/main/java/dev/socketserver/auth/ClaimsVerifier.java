package dev.socketserver.auth;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.JWTClaimsSetVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * The claims every connection token must satisfy: a non-empty {@code sub}; {@code exp} (if
 * present) not past and {@code nbf} (if present) not future, each with {@code skew} of
 * tolerance; {@code iss} equal to the configured issuer and {@code aud} containing the
 * configured audience, when those are configured. Rejections carry a message safe for clients.
 */
final class ClaimsVerifier implements JWTClaimsSetVerifier<SecurityContext> {
    /** A rejection whose message is meant for the client. */
    static final class Rejected extends BadJWTException {
        Rejected(String message) {
            super(message);
        }
    }

    private final String audience;
    private final String issuer;
    private final Duration skew;
    private final Clock clock;

    ClaimsVerifier(String audience, String issuer, Duration skew, Clock clock) {
        this.audience = audience;
        this.issuer = issuer;
        this.skew = skew;
        this.clock = clock;
    }

    @Override
    public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
        String sub = claims.getSubject();
        if (sub == null) {
            throw new Rejected("token has no sub");
        }
        if (sub.isBlank()) {
            throw new Rejected("token sub is empty");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp != null && now.isAfter(exp.toInstant().plus(skew))) {
            throw new Rejected("token expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
            throw new Rejected("token not valid yet (nbf is in the future)");
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            throw new Rejected("token issuer (iss) not accepted");
        }
        if (audience != null) {
            List<String> aud = claims.getAudience();
            if (aud == null || !aud.contains(audience)) {
                throw new Rejected("token audience (aud) not accepted");
            }
        }
    }
}
