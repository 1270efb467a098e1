package dev.socketserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import java.io.Closeable;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies JWTs with nimbus-jose-jwt, from one of three key sources (see {@link TokenVerifiers}):
 * an HMAC secret ({@link #hmac}), a PEM public key ({@link #publicKey}) or a JWKS URL
 * ({@link #jwks}). Every source goes through the same path: header checks, nimbus's
 * {@link DefaultJWTProcessor} (signature), then {@link ClaimsVerifier}.
 *
 * <p>The accepted algorithms are fixed by the configured key, never by the token: a secret admits
 * HS256/384/512 (each only if the secret is long enough for it), an RSA key RS256/384/512 and
 * PS256/384/512, an EC key the ES* of its curve, an Ed25519 key EdDSA, a JWKS all of the
 * asymmetric ones and never HMAC. So {@code alg: none} and algorithm confusion (an HS256 token
 * "signed" with an RSA public key) are rejected before any signature is computed.
 */
public final class JwtTokenVerifier implements TokenVerifier {
    /** Tolerance for clock differences between the token issuer and this server, on exp and nbf. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(5);
    /** Longer tokens are refused before parsing. */
    static final int MAX_TOKEN_CHARS = 16 * 1024;

    private static final Logger LOG = Logger.getLogger(JwtTokenVerifier.class.getName());
    private static final Pattern PRINTABLE_ALG = Pattern.compile("[A-Za-z0-9+_-]{1,20}");
    private static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    /** Where keys come from: one of the three sources, shared by {@link #withClock} copies. */
    private record Keys(JWSKeySelector<SecurityContext> selector, Set<JWSAlgorithm> accepted,
            Closeable resource, String description) {
    }

    private final Keys keys;
    private final String audience;
    private final String issuer;
    private final DefaultJWTProcessor<SecurityContext> processor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong lastKeySourceWarning = new AtomicLong(Long.MIN_VALUE);

    private JwtTokenVerifier(Keys keys, String audience, String issuer, Clock clock) {
        this.keys = keys;
        this.audience = blankToNull(audience);
        this.issuer = blankToNull(issuer);
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier((type, context) -> { }); // checked in verify(), with a clearer message
        p.setJWSKeySelector(keys.selector());
        p.setJWSVerifierFactory(new JwsVerifierFactory());
        p.setJWTClaimsSetVerifier(new ClaimsVerifier(this.audience, this.issuer, MAX_CLOCK_SKEW, clock));
        this.processor = p;
    }

    /**
     * HS256/384/512 with a shared secret (its UTF-8 bytes) of at least 32 bytes. HS384 needs 48
     * bytes and HS512 64 (RFC 7518 §3.2): shorter secrets do not admit them.
     *
     * @param audience if not {@code null}/blank, tokens must list it in {@code aud}
     * @param issuer   if not {@code null}/blank, tokens' {@code iss} must equal it
     * @throws IllegalArgumentException if the secret is shorter than 32 bytes
     */
    public static JwtTokenVerifier hmac(String secret, String audience, String issuer) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalArgumentException("AUTH_JWT_SECRET must be at least 32 bytes (256 bits)");
        }
        Set<JWSAlgorithm> accepted = new HashSet<>();
        accepted.add(JWSAlgorithm.HS256);
        if (key.length >= 48) {
            accepted.add(JWSAlgorithm.HS384);
        }
        if (key.length >= 64) {
            accepted.add(JWSAlgorithm.HS512);
        }
        SecretKeySpec secretKey = new SecretKeySpec(key, "HMAC");
        Set<JWSAlgorithm> fixed = Set.copyOf(accepted);
        return new JwtTokenVerifier(new Keys(fixedKey(fixed, secretKey), fixed, null, "HMAC secret"),
                audience, issuer, Clock.systemUTC());
    }

    /**
     * RSA, EC or Ed25519 from a PEM public key ({@code PUBLIC KEY} or {@code CERTIFICATE}), given
     * inline (the value starts with {@code -----BEGIN}) or as a file path. Tokens' {@code kid}
     * is ignored: there is one key.
     *
     * @throws IllegalArgumentException if the key cannot be read or is not acceptable (e.g. RSA
     *     under 2048 bits, an EC curve other than P-256/384/521, Ed448)
     */
    public static JwtTokenVerifier publicKey(String pemOrPath, String audience, String issuer) {
        PublicKey key = PemKeys.read(pemOrPath);
        Set<JWSAlgorithm> accepted;
        try {
            accepted = SigningKeys.algorithmsFor(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PemKeys.SETTING + ": " + e.getMessage());
        }
        String description = key.getAlgorithm() + " public key";
        return new JwtTokenVerifier(new Keys(fixedKey(accepted, key), accepted, null, description),
                audience, issuer, Clock.systemUTC());
    }

    /**
     * The keys of a JSON Web Key Set at {@code url}, fetched on first use and cached: see
     * {@link JwksOptions#DEFAULTS} (5 min time-to-live, refresh ahead of expiry in the background,
     * an unknown {@code kid} triggers a refetch but at most two fetches happen per 30 s, the last
     * good set survives an outage of up to 1 h). Accepts RSA, EC and Ed25519 keys, never HMAC.
     * Close the verifier to stop its (daemon) refresh thread.
     *
     * @throws IllegalArgumentException if {@code url} is not an absolute http(s) URL
     */
    public static JwtTokenVerifier jwks(String url, String audience, String issuer) {
        return jwks(url, audience, issuer, JwksOptions.DEFAULTS);
    }

    static JwtTokenVerifier jwks(String url, String audience, String issuer, JwksOptions options) {
        URL location = jwksUrl(url);
        ThreadPoolExecutor refresher = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "jwks-refresh");
                    t.setDaemon(true);
                    return t;
                });
        refresher.allowCoreThreadTimeOut(true);
        JWKSource<SecurityContext> source = JWKSourceBuilder.<SecurityContext>create(location,
                        new DefaultResourceRetriever((int) options.connectTimeout().toMillis(),
                                (int) options.readTimeout().toMillis(), options.maxBytes()))
                .cache(options.timeToLive().toMillis(), options.refreshTimeout().toMillis())
                .refreshAheadCache(options.refreshAhead().toMillis(), null, refresher, true, null, false)
                .rateLimited(options.minRefetchInterval().toMillis())
                .retrying(true)
                .outageTolerant(options.outageTolerance().toMillis())
                .build();
        Closeable resource = source instanceof Closeable c ? c : refresher::shutdownNow;
        return new JwtTokenVerifier(new Keys(new JwksKeySelector(source), SigningKeys.ASYMMETRIC, resource,
                "JWKS " + location.getProtocol() + "://" + location.getAuthority() + location.getPath()),
                audience, issuer, Clock.systemUTC());
    }

    /** A verifier with the same keys (and key cache) reading time from {@code clock}; for tests. */
    JwtTokenVerifier withClock(Clock clock) {
        return new JwtTokenVerifier(keys, audience, issuer, clock);
    }

    /** The JWS algorithms this verifier accepts, by name, sorted. */
    public Set<String> algorithms() {
        Set<String> names = new TreeSet<>();
        keys.accepted().forEach(a -> names.add(a.getName()));
        return names;
    }

    @Override
    public String toString() {
        return "JWT verifier (" + keys.description() + "; algorithms " + String.join(", ", algorithms())
                + (audience == null ? "" : "; aud " + audience) + (issuer == null ? "" : "; iss " + issuer) + ")";
    }

    @Override
    public Principal verify(String token) {
        if (token == null || token.isBlank()) {
            throw unauthorized("missing token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw unauthorized("token too large");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token.strip());
        } catch (ParseException e) {
            throw unauthorized("malformed token");
        }
        if (jwt instanceof PlainJWT) {
            throw unauthorized("unsigned tokens (alg none) are not accepted");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw unauthorized("encrypted tokens are not accepted");
        }
        JWSHeader header = signed.getHeader();
        if (!keys.accepted().contains(header.getAlgorithm())) {
            String alg = header.getAlgorithm().getName();
            throw unauthorized(PRINTABLE_ALG.matcher(alg).matches()
                    ? "token algorithm " + alg + " is not accepted" : "token algorithm is not accepted");
        }
        if (!typeAccepted(header.getType())) {
            throw unauthorized("token type (typ) is not accepted");
        }
        try {
            signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw unauthorized("malformed token claims");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(signed, null);
        } catch (ClaimsVerifier.Rejected e) {
            throw unauthorized(e.getMessage());
        } catch (BadJWSException e) {
            throw unauthorized("invalid token signature");
        } catch (BadJWTException e) {
            throw unauthorized("malformed token claims");
        } catch (BadJOSEException e) {
            throw unauthorized("token signing key not found");
        } catch (RateLimitReachedException e) {
            throw unauthorized("token signing key not found");
        } catch (KeySourceException e) {
            warnKeySource(e);
            throw unauthorized("token signing keys are unavailable; try again later");
        } catch (JOSEException e) {
            throw unauthorized("token could not be verified");
        }
        Instant exp = claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
        return new Principal(claims.getSubject(), exp, roomsClaim(claims));
    }

    @Override
    public void close() {
        if (keys.resource() != null && closed.compareAndSet(false, true)) {
            try {
                keys.resource().close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing the JWKS source failed", e);
            }
        }
    }

    private static JWSKeySelector<SecurityContext> fixedKey(Set<JWSAlgorithm> accepted, Key key) {
        List<Key> only = List.of(key);
        return (header, context) -> accepted.contains(header.getAlgorithm()) ? only : List.of();
    }

    private static URL jwksUrl(String url) {
        String message = "AUTH_JWKS_URL must be an absolute http:// or https:// URL";
        try {
            URI uri = new URI(url.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException(message);
            }
            return uri.toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(message);
        }
    }

    /** No {@code typ}, {@code JWT} or {@code at+jwt} (RFC 9068), case-insensitively, {@code application/} optional. */
    private static boolean typeAccepted(JOSEObjectType type) {
        if (type == null) {
            return true;
        }
        String t = type.getType().toLowerCase(Locale.ROOT);
        if (t.startsWith("application/")) {
            t = t.substring("application/".length());
        }
        return t.equals("jwt") || t.equals("at+jwt");
    }

    private void warnKeySource(KeySourceException e) {
        long now = System.nanoTime();
        long last = lastKeySourceWarning.get();
        if ((last == Long.MIN_VALUE || now - last >= LOG_INTERVAL.toNanos())
                && lastKeySourceWarning.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "JWT signing keys unavailable from " + keys.description() + ": " + e.getMessage());
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static ServerException unauthorized(String message) {
        return new ServerException(ErrorCode.UNAUTHORIZED, message);
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
