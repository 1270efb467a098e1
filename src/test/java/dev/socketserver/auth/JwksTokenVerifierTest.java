package dev.socketserver.auth;

import static dev.socketserver.auth.AuthFixtures.EC_P256;
import static dev.socketserver.auth.AuthFixtures.EC_P256_OTHER;
import static dev.socketserver.auth.AuthFixtures.EC_P384;
import static dev.socketserver.auth.AuthFixtures.EC_P521;
import static dev.socketserver.auth.AuthFixtures.ED25519;
import static dev.socketserver.auth.AuthFixtures.ED25519_OTHER;
import static dev.socketserver.auth.AuthFixtures.RSA;
import static dev.socketserver.auth.AuthFixtures.RSA_OTHER;
import static dev.socketserver.auth.AuthFixtures.claims;
import static dev.socketserver.auth.AuthFixtures.ecJwk;
import static dev.socketserver.auth.AuthFixtures.ed25519Jwk;
import static dev.socketserver.auth.AuthFixtures.hmac;
import static dev.socketserver.auth.AuthFixtures.raw;
import static dev.socketserver.auth.AuthFixtures.rejected;
import static dev.socketserver.auth.AuthFixtures.rsaJwk;
import static dev.socketserver.auth.AuthFixtures.sign;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import dev.socketserver.error.ServerException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Verification against a JWKS served over HTTP: algorithms, caching, rotation, rate limiting. */
class JwksTokenVerifierTest {
    private final JwksServer jwks = new JwksServer();
    private final List<TokenVerifier> verifiers = new ArrayList<>();

    @AfterEach
    void stop() {
        verifiers.forEach(TokenVerifier::close);
        jwks.close();
    }

    private JwtTokenVerifier verifier() {
        return track(JwtTokenVerifier.jwks(jwks.url(), null, null));
    }

    private JwtTokenVerifier track(JwtTokenVerifier v) {
        verifiers.add(v);
        return v;
    }

    private static String token(JWSAlgorithm alg, KeyPair pair, String kid) {
        return sign(alg, pair.getPrivate(), kid, claims());
    }

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of("RS256", RSA, "rsa"), Arguments.of("RS384", RSA, "rsa"), Arguments.of("RS512", RSA, "rsa"),
                Arguments.of("PS256", RSA, "rsa"), Arguments.of("PS384", RSA, "rsa"), Arguments.of("PS512", RSA, "rsa"),
                Arguments.of("ES256", EC_P256, "p256"), Arguments.of("ES384", EC_P384, "p384"),
                Arguments.of("ES512", EC_P521, "p521"),
                Arguments.of("EdDSA", ED25519, "ed"), Arguments.of("Ed25519", ED25519, "ed"));
    }

    private void publishAll() {
        jwks.publish(rsaJwk(RSA, "rsa"), ecJwk(EC_P256, "p256"), ecJwk(EC_P384, "p384"), ecJwk(EC_P521, "p521"),
                ed25519Jwk(ED25519, "ed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void everyAsymmetricAlgorithmVerifiesFromAMixedKeySet(String alg, KeyPair pair, String kid) {
        publishAll();
        JwtTokenVerifier v = verifier();
        assertEquals("alice", v.verify(token(JWSAlgorithm.parse(alg), pair, kid)).userId());
        // Without kid, every key of the right type is tried.
        assertEquals("alice", v.verify(token(JWSAlgorithm.parse(alg), pair, null)).userId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void aKnownKidWithTheWrongKeyIsAnInvalidSignature(String alg, KeyPair pair, String kid) {
        publishAll();
        KeyPair attacker = pair == RSA ? RSA_OTHER : pair == ED25519 ? ED25519_OTHER
                : pair == EC_P256 ? EC_P256_OTHER : AuthFixtures.generateEc(pair == EC_P384 ? "secp384r1" : "secp521r1");
        JwtTokenVerifier v = verifier();
        assertEquals("invalid token signature", rejected(v, token(JWSAlgorithm.parse(alg), attacker, kid)));
        assertEquals(1, jwks.fetches(), "a matching kid does not trigger a refetch");
    }

    @Test
    void theKeySetIsFetchedOnceAndCached() {
        jwks.publish(rsaJwk(RSA, "r1"));
        JwtTokenVerifier v = verifier();
        assertEquals(0, jwks.fetches(), "nothing is fetched before the first token");
        for (int i = 0; i < 25; i++) {
            assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA, "r1")).userId());
        }
        assertEquals(1, jwks.fetches());
    }

    @Test
    void rotatedKeyIsPickedUpWithoutRestartAndUnknownKidsDoNotHammerTheEndpoint() {
        jwks.publish(rsaJwk(RSA, "2024-01"));
        JwtTokenVerifier v = verifier();
        String oldToken = token(JWSAlgorithm.RS256, RSA, "2024-01");
        assertEquals("alice", v.verify(oldToken).userId());
        assertEquals(1, jwks.fetches());

        // The issuer rotates: a new key with a new kid, the old one withdrawn.
        jwks.publish(ecJwk(EC_P256, "2024-02"));
        String newToken = token(JWSAlgorithm.ES256, EC_P256, "2024-02");
        assertEquals("alice", v.verify(newToken).userId(), "the unknown kid triggered a refetch");
        assertEquals(2, jwks.fetches());
        assertEquals("alice", v.verify(newToken).userId());
        assertEquals(2, jwks.fetches(), "the refreshed set is cached");

        // A flood of tokens with a kid nobody published: refused, and the refetch budget
        // (two fetches per 30 s) is already spent, so the endpoint is not hit again.
        for (int i = 0; i < 40; i++) {
            assertEquals("token signing key not found", rejected(v, token(JWSAlgorithm.ES256, EC_P256_OTHER, "ghost-" + i)));
        }
        assertTrue(jwks.fetches() <= 3, "fetches: " + jwks.fetches());
        // The withdrawn key no longer verifies: the cached set is the new one.
        assertEquals("token signing key not found", rejected(v, oldToken));
        assertEquals("alice", v.verify(newToken).userId());
    }

    @Test
    void anUnknownKidNeverVerifiesAndCostsAtMostOneRefetch() {
        jwks.publish(rsaJwk(RSA, "r1"));
        JwtTokenVerifier v = verifier();
        assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA, "r1")).userId());
        for (int i = 0; i < 60; i++) {
            // Even signed with a real key of the set: the kid must match.
            assertEquals("token signing key not found", rejected(v, token(JWSAlgorithm.RS256, RSA, "unknown")));
        }
        assertTrue(jwks.fetches() <= 2, "fetches: " + jwks.fetches());
        assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA, "r1")).userId());
    }

    @Test
    void keysBothPublishedDuringARotationOverlapBothVerify() {
        jwks.publish(rsaJwk(RSA, "old"), rsaJwk(RSA_OTHER, "new"));
        JwtTokenVerifier v = verifier();
        assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA, "old")).userId());
        assertEquals("alice", v.verify(token(JWSAlgorithm.PS256, RSA_OTHER, "new")).userId());
        assertEquals(1, jwks.fetches());
    }

    @Test
    void aWithdrawnKeyStopsVerifyingOnceTheCacheExpires() {
        JwksOptions quick = new JwksOptions(Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(100),
                Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(2), 64 * 1024);
        jwks.publish(rsaJwk(RSA, "a"));
        JwtTokenVerifier v = track(JwtTokenVerifier.jwks(jwks.url(), null, null, quick));
        String a = token(JWSAlgorithm.RS256, RSA, "a");
        assertEquals("alice", v.verify(a).userId());
        jwks.publish(rsaJwk(RSA_OTHER, "b"));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThrows(ServerException.class, () -> v.verify(a)));
        assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA_OTHER, "b")).userId());
    }

    @Test
    void hmacIsNeverAcceptedFromAJwks() {
        // Even if the set (wrongly) publishes a symmetric key, HS* is not in the accepted algorithms.
        byte[] secret = AuthFixtures.SECRET_64.getBytes(StandardCharsets.UTF_8);
        JWK oct = new OctetSequenceKey.Builder(secret).keyID("oct").build();
        jwks.publishRaw("{\"keys\":[" + oct.toJSONString() + "," + rsaJwk(RSA, "rsa").toPublicJWK().toJSONString() + "]}");
        JwtTokenVerifier v = verifier();
        assertFalse(v.algorithms().stream().anyMatch(a -> a.startsWith("HS")), v.algorithms().toString());
        assertEquals("token algorithm HS256 is not accepted",
                rejected(v, AuthFixtures.sign(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.HS256).keyID("oct").build(),
                        macSigner(secret), claims())));
        assertEquals(0, jwks.fetches(), "refused before any key lookup");
    }

    @Test
    void algorithmConfusionWithThePublishedRsaKeyIsRefused() {
        JWK published = rsaJwk(RSA, "rsa");
        jwks.publish(published);
        JwtTokenVerifier v = verifier();
        for (byte[] secret : List.of(published.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8),
                RSA.getPublic().getEncoded(), AuthFixtures.pem(RSA.getPublic()).getBytes(StandardCharsets.UTF_8))) {
            assertEquals("token algorithm HS256 is not accepted", rejected(v, hmac(JWSAlgorithm.HS256, secret, claims())));
        }
    }

    @Test
    void algNoneIsRefused() {
        jwks.publish(rsaJwk(RSA, "rsa"));
        JwtTokenVerifier v = verifier();
        assertEquals("unsigned tokens (alg none) are not accepted",
                rejected(v, raw("{\"alg\":\"none\",\"kid\":\"rsa\"}", "{\"sub\":\"admin\"}", "")));
    }

    @Test
    void claimsAreCheckedForJwksTokens() {
        jwks.publish(ed25519Jwk(ED25519, "ed"));
        JwtTokenVerifier v = track(JwtTokenVerifier.jwks(jwks.url(), "socket-server", "https://id.example"));
        assertEquals("alice", v.verify(sign(JWSAlgorithm.EdDSA, ED25519.getPrivate(), "ed",
                claims(b -> b.audience("socket-server").issuer("https://id.example")))).userId());
        assertEquals("token audience (aud) not accepted", rejected(v, sign(JWSAlgorithm.EdDSA, ED25519.getPrivate(), "ed",
                claims(b -> b.issuer("https://id.example")))));
        assertEquals("token issuer (iss) not accepted", rejected(v, sign(JWSAlgorithm.EdDSA, ED25519.getPrivate(), "ed",
                claims(b -> b.audience("socket-server")))));
    }

    @Test
    void weakAndMismatchedKeysInTheSetAreSkipped() {
        KeyPair weak = AuthFixtures.generate("RSA", 1024);
        jwks.publish(rsaJwk(weak, "weak"), ecJwk(EC_P384, "p384"));
        JwtTokenVerifier v = verifier();
        String weakToken = AuthFixtures.sign(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.RS256).keyID("weak").build(),
                new com.nimbusds.jose.crypto.RSASSASigner(weak.getPrivate(),
                        java.util.Set.of(com.nimbusds.jose.crypto.opts.AllowWeakRSAKey.getInstance())), claims());
        assertEquals("token signing key not found", rejected(v, weakToken));
        // A P-384 key under an ES256 token's kid is not used for ES256.
        assertEquals("token signing key not found", rejected(v, token(JWSAlgorithm.ES256, EC_P256, "p384")));
    }

    @Test
    void anUnreachableKeySetRefusesTokensWithATransientMessage() {
        jwks.status(500);
        JwtTokenVerifier v = verifier();
        assertEquals("token signing keys are unavailable; try again later",
                rejected(v, token(JWSAlgorithm.RS256, RSA, "rsa")));
    }

    @Test
    void aKeySetThatIsNotJsonRefusesTokens() {
        jwks.publishRaw("<html>login</html>");
        JwtTokenVerifier v = verifier();
        assertEquals("token signing keys are unavailable; try again later",
                rejected(v, token(JWSAlgorithm.RS256, RSA, "rsa")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not a url", "ftp://example.com/jwks", "/relative/jwks.json", "https://", "file:///etc/jwks.json"})
    void invalidUrlsAreReportedAtStartUp(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.jwks(url, null, null));
        assertEquals("AUTH_JWKS_URL must be an absolute http:// or https:// URL", e.getMessage());
    }

    @Test
    void closeIsIdempotent() {
        jwks.publish(rsaJwk(RSA, "rsa"));
        JwtTokenVerifier v = JwtTokenVerifier.jwks(jwks.url(), null, null);
        assertEquals("alice", v.verify(token(JWSAlgorithm.RS256, RSA, "rsa")).userId());
        v.close();
        v.close();
        assertTrue(v.toString().contains("JWKS http://127.0.0.1:"), v.toString());
    }

    private static com.nimbusds.jose.crypto.MACSigner macSigner(byte[] secret) {
        try {
            return new com.nimbusds.jose.crypto.MACSigner(secret);
        } catch (com.nimbusds.jose.KeyLengthException e) {
            throw new IllegalStateException(e);
        }
    }

}
