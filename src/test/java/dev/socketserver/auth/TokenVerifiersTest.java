package dev.socketserver.auth;

import static dev.socketserver.auth.AuthFixtures.ED25519;
import static dev.socketserver.auth.AuthFixtures.SECRET_32;
import static dev.socketserver.auth.AuthFixtures.claims;
import static dev.socketserver.auth.AuthFixtures.hmac;
import static dev.socketserver.auth.AuthFixtures.pem;
import static dev.socketserver.auth.AuthFixtures.rejected;
import static dev.socketserver.auth.AuthFixtures.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link TokenVerifiers#fromSettings}: which settings make which verifier, and start-up errors. */
class TokenVerifiersTest {
    private static final String JWKS = "https://id.example/.well-known/jwks.json";

    @Test
    void noKeySourceMeansNoVerifier() {
        assertNull(TokenVerifiers.fromSettings(null, null, null, null, null));
        assertNull(TokenVerifiers.fromSettings("", " ", "\t", "aud", "iss"));
    }

    @Test
    void secretMakesAnHmacVerifier() {
        TokenVerifier v = TokenVerifiers.fromSettings(SECRET_32, null, "", null, null);
        assertEquals(Set.of("HS256"), assertInstanceOf(JwtTokenVerifier.class, v).algorithms());
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32, claims())).userId());
    }

    @Test
    void publicKeyMakesAnAsymmetricVerifier() {
        TokenVerifier v = TokenVerifiers.fromSettings(null, pem(ED25519.getPublic()), null, null, null);
        assertEquals(Set.of("EdDSA", "Ed25519"), assertInstanceOf(JwtTokenVerifier.class, v).algorithms());
        assertEquals("alice", v.verify(sign(JWSAlgorithm.EdDSA, ED25519, claims())).userId());
        assertEquals("token algorithm HS256 is not accepted", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims())));
    }

    @Test
    void jwksUrlMakesAJwksVerifierWithoutFetchingAtStartUp() {
        // Nothing listens there: construction must not touch the network.
        try (TokenVerifier v = TokenVerifiers.fromSettings(null, null, JWKS, null, null)) {
            assertEquals(SigningKeys.ASYMMETRIC.size(), assertInstanceOf(JwtTokenVerifier.class, v).algorithms().size());
            assertTrue(v.toString().contains("JWKS https://id.example/.well-known/jwks.json"), v.toString());
        }
    }

    @Test
    void audienceAndIssuerArePassedOn() {
        TokenVerifier v = TokenVerifiers.fromSettings(SECRET_32, null, null, "socket-server", "https://auth.example");
        assertEquals("token audience (aud) not accepted", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.issuer("https://auth.example")))));
        assertEquals("token issuer (iss) not accepted", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.audience("socket-server")))));
        assertEquals("alice", v.verify(hmac(JWSAlgorithm.HS256, SECRET_32,
                claims(b -> b.audience("socket-server").issuer("https://auth.example")))).userId());
    }

    @Test
    void moreThanOneKeySourceIsAConfigurationError() {
        String pem = pem(ED25519.getPublic());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings(SECRET_32, pem, null, null, null));
        assertEquals("set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL; "
                + "found AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY", two.getMessage());
        assertFalse(two.getMessage().contains(SECRET_32));
        IllegalArgumentException three = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings(SECRET_32, pem, JWKS, null, null));
        assertTrue(three.getMessage().endsWith("found AUTH_JWT_SECRET and AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL"),
                three.getMessage());
        IllegalArgumentException keyAndJwks = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings(null, pem, JWKS, null, null));
        assertTrue(keyAndJwks.getMessage().endsWith("found AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL"), keyAndJwks.getMessage());
    }

    @Test
    void invalidKeyMaterialIsAConfigurationError() {
        IllegalArgumentException shortSecret = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings("short", null, null, null, null));
        assertEquals("AUTH_JWT_SECRET must be at least 32 bytes (256 bits)", shortSecret.getMessage());
        IllegalArgumentException badPem = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings(null, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", null, null, null));
        assertTrue(badPem.getMessage().startsWith("AUTH_JWT_PUBLIC_KEY"), badPem.getMessage());
        IllegalArgumentException badUrl = assertThrows(IllegalArgumentException.class,
                () -> TokenVerifiers.fromSettings(null, null, "jwks.json", null, null));
        assertTrue(badUrl.getMessage().startsWith("AUTH_JWKS_URL"), badUrl.getMessage());
    }

    @Test
    void refuseAllRefusesEveryoneAndClosesQuietly() {
        TokenVerifier v = TokenVerifier.refuseAll("authentication is not configured on the server");
        assertEquals("authentication is not configured on the server", rejected(v, hmac(JWSAlgorithm.HS256, SECRET_32, claims())));
        v.close();
    }
}
