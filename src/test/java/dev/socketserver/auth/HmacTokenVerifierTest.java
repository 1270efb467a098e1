package dev.socketserver.auth;

import static dev.socketserver.auth.AuthFixtures.SECRET_32;
import static dev.socketserver.auth.AuthFixtures.SECRET_48;
import static dev.socketserver.auth.AuthFixtures.SECRET_64;
import static dev.socketserver.auth.AuthFixtures.b64;
import static dev.socketserver.auth.AuthFixtures.claims;
import static dev.socketserver.auth.AuthFixtures.hmac;
import static dev.socketserver.auth.AuthFixtures.raw;
import static dev.socketserver.auth.AuthFixtures.rejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HMAC verification, and the checks every key source shares (claims, header, parsing). */
class HmacTokenVerifierTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private final JwtTokenVerifier verifier = JwtTokenVerifier.hmac(SECRET_32, null, null);
    private final JwtTokenVerifier fixedClock = verifier.withClock(Clock.fixed(NOW, ZoneOffset.UTC));

    private static JWTClaimsSet at(Instant exp, Instant nbf) {
        return claims(b -> b.expirationTime(exp == null ? null : Date.from(exp))
                .notBeforeTime(nbf == null ? null : Date.from(nbf)));
    }

    @Test
    void hs256TokenGivesPrincipal() {
        Instant exp = Instant.now().plusSeconds(600).with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0);
        Principal p = verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.subject("bob").expirationTime(Date.from(exp)).claim("rooms", List.of("a", "b*")))));
        assertEquals("bob", p.userId());
        assertEquals(exp, p.expiresAt());
        assertEquals(List.of("a", "b*"), p.rooms());
    }

    @Test
    void algorithmsFollowSecretLength() {
        assertEquals(Set.of("HS256"), JwtTokenVerifier.hmac(SECRET_32, null, null).algorithms());
        assertEquals(Set.of("HS256", "HS384"), JwtTokenVerifier.hmac(SECRET_48, null, null).algorithms());
        assertEquals(Set.of("HS256", "HS384", "HS512"), JwtTokenVerifier.hmac(SECRET_64, null, null).algorithms());
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS256", "HS384", "HS512"})
    void everyHmacAlgorithmVerifiesWithALongEnoughSecret(String alg) {
        JwtTokenVerifier v = JwtTokenVerifier.hmac(SECRET_64, null, null);
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.parse(alg), SECRET_64, claims())).userId());
    }

    @Test
    void hs512IsRefusedWhenTheSecretIsTooShortForIt() {
        // A 32-byte secret: an HS512 token made with it cannot meet RFC 7518's key size for HS512.
        String token = hmac(JWSAlgorithm.HS512, SECRET_64, claims());
        assertEquals("token algorithm HS512 is not accepted", rejected(verifier, token));
    }

    @Test
    void secretsShorterThan32BytesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JwtTokenVerifier.hmac("too-short-secret", null, null));
        assertTrue(e.getMessage().contains("AUTH_JWT_SECRET"), e.getMessage());
        assertFalse(e.getMessage().contains("too-short-secret"), "the secret is never echoed");
    }

    @Test
    void wrongSecretIsAnInvalidSignature() {
        String token = hmac(JWSAlgorithm.HS256, "another-secret-0123456789abcdef-xyz", claims());
        assertEquals("invalid token signature", rejected(verifier, token));
    }

    @Test
    void tamperedPayloadIsAnInvalidSignature() {
        String[] parts = hmac(JWSAlgorithm.HS256, SECRET_32, claims()).split("\\.");
        String forged = parts[0] + "." + b64("{\"sub\":\"admin\",\"exp\":4102444800}") + "." + parts[2];
        assertEquals("invalid token signature", rejected(verifier, forged));
    }

    @Test
    void missingSubIsRefused() {
        String token = hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.subject(null)));
        assertEquals("token has no sub", rejected(verifier, token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptySubIsRefused(String sub) {
        String token = hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.subject(sub)));
        assertEquals("token sub is empty", rejected(verifier, token));
    }

    @Test
    void expiredTokenIsRefused() {
        String token = hmac(JWSAlgorithm.HS256, SECRET_32, at(Instant.now().minusSeconds(60), null));
        assertEquals("token expired", rejected(verifier, token));
    }

    @Test
    void notYetValidTokenIsRefused() {
        String token = hmac(JWSAlgorithm.HS256, SECRET_32, at(Instant.now().plusSeconds(3600), Instant.now().plusSeconds(60)));
        assertEquals("token not valid yet (nbf is in the future)", rejected(verifier, token));
    }

    @Test
    void clockSkewOfFiveSecondsIsTolerated() {
        assertEquals(5, JwtTokenVerifier.MAX_CLOCK_SKEW.toSeconds());
        assertEquals("alice", fixedClock.verify(hmac(JWSAlgorithm.HS256, SECRET_32, at(NOW.minusSeconds(5), null))).userId());
        assertEquals("alice", fixedClock.verify(hmac(JWSAlgorithm.HS256, SECRET_32, at(NOW.plusSeconds(60), NOW.plusSeconds(5)))).userId());
        assertEquals("token expired", rejected(fixedClock, hmac(JWSAlgorithm.HS256, SECRET_32, at(NOW.minusSeconds(6), null))));
        assertEquals("token not valid yet (nbf is in the future)",
                rejected(fixedClock, hmac(JWSAlgorithm.HS256, SECRET_32, at(NOW.plusSeconds(60), NOW.plusSeconds(6)))));
    }

    @Test
    void tokenWithoutExpHasNoExpiry() {
        Principal p = verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32, at(null, null)));
        assertNull(p.expiresAt());
    }

    @Test
    void audienceIsEnforcedWhenConfigured() {
        JwtTokenVerifier v = JwtTokenVerifier.hmac(SECRET_32, "socket-server", null);
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.audience("socket-server")))).userId());
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.audience(List.of("api", "socket-server"))))).userId());
        assertEquals("token audience (aud) not accepted",
                rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.audience("api")))));
        assertEquals("token audience (aud) not accepted", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims())));
        // Not configured: any or no aud is fine.
        assertEquals("alice", verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.audience("api")))).userId());
    }

    @Test
    void issuerIsEnforcedWhenConfigured() {
        JwtTokenVerifier v = JwtTokenVerifier.hmac(SECRET_32, null, "https://auth.example");
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.issuer("https://auth.example")))).userId());
        assertEquals("token issuer (iss) not accepted",
                rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.issuer("https://evil.example")))));
        assertEquals("token issuer (iss) not accepted", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims())));
        assertEquals("alice", verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.issuer("x")))).userId());
    }

    @Test
    void blankAudienceAndIssuerMeanNotEnforced() {
        JwtTokenVerifier v = JwtTokenVerifier.hmac(SECRET_32, " ", "");
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims())).userId());
    }

    @Test
    void roomsClaimAsListAsStringOrAbsent() {
        assertEquals(List.of("news", "team-*"), verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.claim("rooms", List.of("news", "team-*"))))).rooms());
        assertEquals(List.of("news"), verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.claim("rooms", "news")))).rooms());
        assertEquals(List.of(), verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims())).rooms());
        // Non-string entries are ignored rather than failing the connection.
        assertEquals(List.of("a"), verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.claim("rooms", List.of("a", 7, true))))).rooms());
    }

    @Test
    void algNoneIsRefused() {
        String payload = "{\"sub\":\"admin\",\"exp\":4102444800}";
        assertEquals("unsigned tokens (alg none) are not accepted", rejected(verifier, raw("{\"alg\":\"none\"}", payload, "")));
        assertEquals("unsigned tokens (alg none) are not accepted",
                rejected(verifier, raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "")));
        // Case variants are not "none" to the parser: they are unknown algorithms.
        assertEquals("token algorithm None is not accepted", rejected(verifier, raw("{\"alg\":\"None\"}", payload, "c2ln")));
        assertEquals("token algorithm NONE is not accepted", rejected(verifier, raw("{\"alg\":\"NONE\"}", payload, "c2ln")));
        // alg none with a signature attached.
        String withSig = raw("{\"alg\":\"none\"}", payload, "c2lnbmF0dXJl");
        String message = rejected(verifier, withSig);
        assertTrue(message.equals("malformed token") || message.startsWith("unsigned"), message);
    }

    @Test
    void oddAlgorithmNamesAreNotEchoed() {
        String token = raw("{\"alg\":\"<script>alert(1)</script>\"}", "{\"sub\":\"a\"}", "c2ln");
        assertEquals("token algorithm is not accepted", rejected(verifier, token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "a.b", "a.b.c", "...", "a.b.c.d.e.f"})
    void malformedTokensAreRefused(String token) {
        assertEquals("malformed token", rejected(verifier, token));
    }

    @Test
    void payloadThatIsNotJsonIsMalformed() {
        assertEquals("malformed token claims", rejected(verifier, "eyJhbGciOiJIUzI1NiJ9.!!!.c2ln"));
        assertEquals("malformed token claims", rejected(verifier, b64("{\"alg\":\"HS256\"}") + "." + b64("[1,2]") + ".c2ln"));
    }

    @Test
    void headerThatIsNotJsonIsMalformed() {
        assertEquals("malformed token", rejected(verifier, b64("not json") + "." + b64("{}") + ".c2ln"));
    }

    @Test
    void claimsOfTheWrongTypeAreMalformed() throws Exception {
        String header = b64("{\"alg\":\"HS256\"}");
        String payload = b64("{\"sub\":\"alice\",\"exp\":\"tomorrow\"}");
        byte[] sig = new MACSigner(SECRET_32).sign(new JWSHeader(JWSAlgorithm.HS256),
                (header + "." + payload).getBytes(StandardCharsets.US_ASCII)).decode();
        String token = header + "." + payload + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        assertEquals("malformed token claims", rejected(verifier, token));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " "})
    void missingTokenIsRefused(String token) {
        assertEquals("missing token", rejected(verifier, token));
        assertEquals("missing token", rejected(verifier, null));
    }

    @Test
    void oversizedTokenIsRefusedBeforeParsing() {
        String token = hmac(JWSAlgorithm.HS256, SECRET_32, claims(b -> b.claim("pad", "x".repeat(20_000))));
        assertEquals("token too large", rejected(verifier, token));
    }

    @Test
    void encryptedTokensAreRefused() {
        String jwe = b64("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}") + "..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA";
        assertEquals("encrypted tokens are not accepted", rejected(verifier, jwe));
    }

    @Test
    void typHeaderMayBeAbsentJwtOrAtJwt() {
        for (String typ : List.of("JWT", "jwt", "at+jwt", "application/at+jwt")) {
            String token = AuthFixtures.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType(typ)).build(),
                    macSigner(), claims());
            assertEquals("alice", verifier.verify(token).userId(), typ);
        }
        String other = AuthFixtures.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("dpop+jwt")).build(),
                macSigner(), claims());
        assertEquals("token type (typ) is not accepted", rejected(verifier, other));
    }

    @Test
    void kidIsIgnoredWithASingleSecret() {
        String token = AuthFixtures.sign(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), macSigner(), claims());
        assertEquals("alice", verifier.verify(token).userId());
    }

    @Test
    void unknownCriticalHeaderIsRefused() {
        String token = AuthFixtures.sign(new JWSHeader.Builder(JWSAlgorithm.HS256)
                .criticalParams(Set.of("exp-policy")).customParam("exp-policy", "x").build(), macSigner(), claims());
        assertEquals("invalid token signature", rejected(verifier, token));
    }

    @Test
    void messagesNeverContainTheSecret() {
        for (String token : List.of("garbage", hmac(JWSAlgorithm.HS256, "another-secret-0123456789abcdef-xyz", claims()))) {
            assertFalse(rejected(verifier, token).contains(SECRET_32));
        }
    }

    @Test
    void closeIsANoOpForStaticKeys() {
        verifier.close();
        verifier.close();
        assertEquals("alice", verifier.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims())).userId());
    }

    private static MACSigner macSigner() {
        try {
            return new MACSigner(SECRET_32);
        } catch (com.nimbusds.jose.KeyLengthException e) {
            throw new IllegalStateException(e);
        }
    }
}
