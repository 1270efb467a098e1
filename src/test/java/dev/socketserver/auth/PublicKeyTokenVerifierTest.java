package dev.socketserver.auth;

import static dev.socketserver.auth.AuthFixtures.CERT_PEM;
import static dev.socketserver.auth.AuthFixtures.EC_P256;
import static dev.socketserver.auth.AuthFixtures.EC_P256_OTHER;
import static dev.socketserver.auth.AuthFixtures.EC_P384;
import static dev.socketserver.auth.AuthFixtures.EC_P521;
import static dev.socketserver.auth.AuthFixtures.ED25519;
import static dev.socketserver.auth.AuthFixtures.ED25519_OTHER;
import static dev.socketserver.auth.AuthFixtures.RSA;
import static dev.socketserver.auth.AuthFixtures.RSA_OTHER;
import static dev.socketserver.auth.AuthFixtures.claims;
import static dev.socketserver.auth.AuthFixtures.hmac;
import static dev.socketserver.auth.AuthFixtures.pem;
import static dev.socketserver.auth.AuthFixtures.raw;
import static dev.socketserver.auth.AuthFixtures.rejected;
import static dev.socketserver.auth.AuthFixtures.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RSA, EC and Ed25519 verification from a configured PEM public key. */
class PublicKeyTokenVerifierTest {

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of("RS256", RSA), Arguments.of("RS384", RSA), Arguments.of("RS512", RSA),
                Arguments.of("PS256", RSA), Arguments.of("PS384", RSA), Arguments.of("PS512", RSA),
                Arguments.of("ES256", EC_P256), Arguments.of("ES384", EC_P384), Arguments.of("ES512", EC_P521),
                Arguments.of("EdDSA", ED25519), Arguments.of("Ed25519", ED25519));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void everyAsymmetricAlgorithmVerifies(String alg, KeyPair pair) {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(pair.getPublic()), null, null);
        Principal p = v.verify(sign(JWSAlgorithm.parse(alg), pair, claims(b -> b.claim("rooms", "lobby"))));
        assertEquals("alice", p.userId());
        assertEquals(List.of("lobby"), p.rooms());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void aTokenFromAnotherKeyIsAnInvalidSignature(String alg, KeyPair pair) {
        KeyPair other = pair == RSA ? RSA_OTHER : pair == ED25519 ? ED25519_OTHER
                : pair == EC_P256 ? EC_P256_OTHER : AuthFixtures.generateEc(pair == EC_P384 ? "secp384r1" : "secp521r1");
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(pair.getPublic()), null, null);
        assertEquals("invalid token signature", rejected(v, sign(JWSAlgorithm.parse(alg), other, claims())));
    }

    @Test
    void acceptedAlgorithmsAreFixedByTheKey() {
        assertEquals(Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
                JwtTokenVerifier.publicKey(pem(RSA.getPublic()), null, null).algorithms());
        assertEquals(Set.of("ES256"), JwtTokenVerifier.publicKey(pem(EC_P256.getPublic()), null, null).algorithms());
        assertEquals(Set.of("ES384"), JwtTokenVerifier.publicKey(pem(EC_P384.getPublic()), null, null).algorithms());
        assertEquals(Set.of("ES512"), JwtTokenVerifier.publicKey(pem(EC_P521.getPublic()), null, null).algorithms());
        assertEquals(Set.of("EdDSA", "Ed25519"), JwtTokenVerifier.publicKey(pem(ED25519.getPublic()), null, null).algorithms());
    }

    @Test
    void ecAlgorithmMustMatchTheCurve() {
        JwtTokenVerifier p256 = JwtTokenVerifier.publicKey(pem(EC_P256.getPublic()), null, null);
        assertEquals("token algorithm ES384 is not accepted", rejected(p256, sign(JWSAlgorithm.ES384, EC_P384, claims())));
    }

    @Test
    void otherKeyFamiliesAreNotAccepted() {
        JwtTokenVerifier rsa = JwtTokenVerifier.publicKey(pem(RSA.getPublic()), null, null);
        assertEquals("token algorithm ES256 is not accepted", rejected(rsa, sign(JWSAlgorithm.ES256, EC_P256, claims())));
        assertEquals("token algorithm EdDSA is not accepted", rejected(rsa, sign(JWSAlgorithm.EdDSA, ED25519, claims())));
        JwtTokenVerifier ed = JwtTokenVerifier.publicKey(pem(ED25519.getPublic()), null, null);
        assertEquals("token algorithm RS256 is not accepted", rejected(ed, sign(JWSAlgorithm.RS256, RSA, claims())));
    }

    @Test
    void algorithmConfusionWithTheRsaPublicKeyAsHmacSecretIsRefused() {
        String pem = pem(RSA.getPublic());
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem, null, null);
        // The classic attack: HS256 "signed" with the server's public key, as PEM text or DER bytes.
        for (byte[] secret : List.of(pem.getBytes(StandardCharsets.UTF_8), pem.strip().getBytes(StandardCharsets.UTF_8),
                RSA.getPublic().getEncoded())) {
            for (JWSAlgorithm alg : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
                String forged = hmac(alg, secret, claims(b -> b.subject("admin")));
                assertEquals("token algorithm " + alg + " is not accepted", rejected(v, forged));
            }
        }
    }

    @Test
    void algorithmConfusionAgainstEcAndEd25519KeysIsRefused() {
        for (KeyPair pair : List.of(EC_P256, ED25519)) {
            String pem = pem(pair.getPublic());
            JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem, null, null);
            assertEquals("token algorithm HS256 is not accepted",
                    rejected(v, hmac(JWSAlgorithm.HS256, pem.getBytes(StandardCharsets.UTF_8), claims())));
            assertEquals("token algorithm HS256 is not accepted",
                    rejected(v, hmac(JWSAlgorithm.HS256, pair.getPublic().getEncoded(), claims())));
        }
    }

    @Test
    void algNoneIsRefused() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(RSA.getPublic()), null, null);
        assertEquals("unsigned tokens (alg none) are not accepted",
                rejected(v, raw("{\"alg\":\"none\"}", "{\"sub\":\"admin\"}", "")));
    }

    @Test
    void claimChecksApplyToPublicKeyTokens() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(EC_P256.getPublic()), "socket-server", "https://auth.example");
        assertEquals("alice", v.verify(sign(JWSAlgorithm.ES256, EC_P256,
                claims(b -> b.audience("socket-server").issuer("https://auth.example")))).userId());
        assertEquals("token audience (aud) not accepted", rejected(v, sign(JWSAlgorithm.ES256, EC_P256,
                claims(b -> b.audience("other").issuer("https://auth.example")))));
        assertEquals("token issuer (iss) not accepted", rejected(v, sign(JWSAlgorithm.ES256, EC_P256,
                claims(b -> b.audience("socket-server").issuer("https://other.example")))));
        assertEquals("token expired", rejected(v, sign(JWSAlgorithm.ES256, EC_P256, claims(b -> b.audience("socket-server")
                .issuer("https://auth.example").expirationTime(new java.util.Date(System.currentTimeMillis() - 60_000))))));
        assertEquals("token has no sub", rejected(v, sign(JWSAlgorithm.ES256, EC_P256, claims(b -> b.audience("socket-server")
                .issuer("https://auth.example").subject(null)))));
    }

    @Test
    void kidIsIgnoredWithASingleKey() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(RSA.getPublic()), null, null);
        assertEquals("alice", v.verify(sign(JWSAlgorithm.RS256, RSA.getPrivate(), "any-kid", claims())).userId());
    }

    @Test
    void truncatedEd25519SignatureIsInvalid() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(ED25519.getPublic()), null, null);
        String token = sign(JWSAlgorithm.EdDSA, ED25519, claims());
        String truncated = token.substring(0, token.length() - 4);
        assertEquals("invalid token signature", rejected(v, truncated));
    }

    @Test
    void ed25519TokenWithUnknownCriticalHeaderIsRefused() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(pem(ED25519.getPublic()), null, null);
        String token = AuthFixtures.sign(new JWSHeader.Builder(JWSAlgorithm.EdDSA).criticalParams(Set.of("x-policy"))
                .customParam("x-policy", "1").build(), new AuthFixtures.JdkEd25519Signer(ED25519.getPrivate()), claims());
        assertEquals("invalid token signature", rejected(v, token));
    }

    @Test
    void keyFromAFilePath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jwt-public.pem");
        Files.writeString(file, "# issuer key\n" + pem(RSA.getPublic()));
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(file.toString(), null, null);
        assertEquals("alice", v.verify(sign(JWSAlgorithm.RS256, RSA, claims())).userId());
    }

    @Test
    void inlinePemWithEscapedNewlinesAndSurroundingSpace() {
        String oneLine = "  " + pem(ED25519.getPublic()).replace("\n", "\\n") + " ";
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(oneLine, null, null);
        assertEquals("alice", v.verify(sign(JWSAlgorithm.EdDSA, ED25519, claims())).userId());
    }

    @Test
    void certificatePemGivesItsPublicKey() {
        JwtTokenVerifier v = JwtTokenVerifier.publicKey(CERT_PEM, null, null);
        assertEquals(Set.of("ES256"), v.algorithms());
        assertEquals("alice", v.verify(sign(JWSAlgorithm.ES256, AuthFixtures.certPrivateKey(), null, claims())).userId());
        assertEquals("invalid token signature", rejected(v, sign(JWSAlgorithm.ES256, EC_P256, claims())));
    }

    // --- invalid key material: reported at start-up, never echoed ---

    private static String invalid(String setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JwtTokenVerifier.publicKey(setting, null, null));
        assertTrue(e.getMessage().startsWith("AUTH_JWT_PUBLIC_KEY"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingFileIsReported(@TempDir Path dir) {
        String message = invalid(dir.resolve("nope.pem").toString());
        assertTrue(message.contains("neither inline PEM"), message);
        assertFalse(message.contains("nope.pem"), "the value is not echoed");
    }

    @Test
    void aSecretPutInTheWrongSettingIsNotEchoed() {
        String message = invalid("my-hmac-secret-0123456789abcdef0123456789");
        assertFalse(message.contains("my-hmac-secret"), message);
    }

    @Test
    void fileWithoutPemBlockIsReported(@TempDir Path dir) throws Exception {
        Path der = dir.resolve("key.der");
        Files.write(der, RSA.getPublic().getEncoded());
        assertTrue(invalid(der.toString()).contains("no PEM block"));
    }

    @Test
    void privateKeyIsRefused() {
        String message = invalid(pem("PRIVATE KEY", RSA.getPrivate().getEncoded()));
        assertTrue(message.contains("private key"), message);
        assertTrue(invalid(AuthFixtures.CERT_PRIVATE_KEY_PEM).contains("private key"));
        assertTrue(invalid(pem("EC PRIVATE KEY", new byte[] {1, 2, 3})).contains("private key"));
    }

    @Test
    void pkcs1RsaPublicKeyGetsAConversionHint() {
        assertTrue(invalid(pem("RSA PUBLIC KEY", new byte[] {48, 0})).contains("openssl rsa -RSAPublicKey_in"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "-----BEGIN OPENSSH PUBLIC KEY-----\nAAAA\n-----END OPENSSH PUBLIC KEY-----"})
    void garbagePemIsReported(String value) {
        invalid(value);
    }

    @Test
    void weakOrUnsupportedKeysAreRefused() {
        assertTrue(invalid(pem(AuthFixtures.generate("RSA", 1024).getPublic())).contains("at least 2048"));
        assertTrue(invalid(pem(AuthFixtures.generate("Ed448", 0).getPublic())).contains("Ed448"));
        assertTrue(invalid(pem(AuthFixtures.generate("X25519", 0).getPublic())).contains("not a valid RSA, EC or Ed25519 key"));
    }
}
