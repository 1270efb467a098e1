package dev.socketserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.BaseJWSProvider;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.Set;
import java.util.function.Consumer;

/** Keys, PEMs and token minting shared by the auth tests. Keys are generated once per JVM. */
final class AuthFixtures {
    static final String SECRET_32 = "0123456789abcdef0123456789abcdef";
    static final String SECRET_48 = SECRET_32 + "0123456789abcdef";
    static final String SECRET_64 = SECRET_48 + "0123456789abcdef";

    static final KeyPair RSA = generate("RSA", 2048);
    static final KeyPair RSA_OTHER = generate("RSA", 2048);
    static final KeyPair EC_P256 = generateEc("secp256r1");
    static final KeyPair EC_P256_OTHER = generateEc("secp256r1");
    static final KeyPair EC_P384 = generateEc("secp384r1");
    static final KeyPair EC_P521 = generateEc("secp521r1");
    static final KeyPair ED25519 = generate("Ed25519", 0);
    static final KeyPair ED25519_OTHER = generate("Ed25519", 0);

    /** A self-signed EC P-256 certificate (openssl, valid until 2126) and its private key. */
    static final String CERT_PEM = """
            -----BEGIN CERTIFICATE-----
            MIIBnzCCAUWgAwIBAgIUFjx8cw0m8ic9iPpNWZZllSjtIRYwCgYIKoZIzj0EAwIw
            JDEiMCAGA1UEAwwZc29ja2V0LXNlcnZlciB0ZXN0IGlzc3VlcjAgFw0yNjExMjUx
            OTAyMTBaGA8yMTI2MTEwMTE5MDIxMFowJDEiMCAGA1UEAwwZc29ja2V0LXNlcnZl
            ciB0ZXN0IGlzc3VlcjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKDHmuHQOh19
            cGITtwIe2Xcc/7s18oDsiyEf/z0m+zh3M9ikr9iH8AjGiCVj3GYjNtOK1vYvOUaw
            zdp8al2uxySjUzBRMB0GA1UdDgQWBBRYwTkhxjYRtKq+11n5yNDuckAmgjAfBgNV
            HSMEGDAWgBRYwTkhxjYRtKq+11n5yNDuckAmgjAPBgNVHRMBAf8EBTADAQH/MAoG
            CCqGSM49BAMCA0gAMEUCIFF3fZPW3layZu8qnbVuYkJo+FGsDBGCXuuMj8Q912lf
            AiEAidshPhvTQiYgMKt1uv2QT+XjneMM7q4Vjt8211ALR1A=
            -----END CERTIFICATE-----
            """;
    static final String CERT_PRIVATE_KEY_PEM = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv1h/HEBPp3HQcxjA
            MEzfpXB4B/d9/eBijYyrG0FkgDyhRANCAASgx5rh0DodfXBiE7cCHtl3HP+7NfKA
            7IshH/89Jvs4dzPYpK/Yh/AIxoglY9xmIzbTitb2LzlGsM3afGpdrsck
            -----END PRIVATE KEY-----
            """;

    private AuthFixtures() {
    }

    static KeyPair generate(String algorithm, int size) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (size > 0) {
                g.initialize(size);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair generateEc(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static PrivateKey certPrivateKey() {
        try {
            byte[] der = Base64.getMimeDecoder().decode(CERT_PRIVATE_KEY_PEM
                    .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", ""));
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code -----BEGIN PUBLIC KEY-----} (SubjectPublicKeyInfo) PEM of {@code key}. */
    static String pem(PublicKey key) {
        return pem("PUBLIC KEY", key.getEncoded());
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The 32 raw bytes of an Ed25519 public key (the tail of its SubjectPublicKeyInfo). */
    static byte[] ed25519Raw(PublicKey key) {
        byte[] spki = key.getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    static JWK rsaJwk(KeyPair pair, String kid) {
        return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
    }

    static JWK ecJwk(KeyPair pair, String kid) {
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        return new ECKey.Builder(Curve.forECParameterSpec(pub.getParams()), pub).keyID(kid).build();
    }

    static JWK ed25519Jwk(KeyPair pair, String kid) {
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(ed25519Raw(pair.getPublic())))
                .keyID(kid).build();
    }

    /** Claims for {@code alice}, valid for an hour from now, adjusted by {@code more}. */
    static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> more) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .subject("alice")
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
        more.accept(b);
        return b.build();
    }

    static JWTClaimsSet claims() {
        return claims(b -> { });
    }

    static String hmac(JWSAlgorithm alg, byte[] secret, JWTClaimsSet claims) {
        try {
            return sign(new JWSHeader(alg), new MACSigner(secret), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hmac(JWSAlgorithm alg, String secret, JWTClaimsSet claims) {
        return hmac(alg, secret.getBytes(StandardCharsets.UTF_8), claims);
    }

    /** A token signed with {@code privateKey} (RSA, EC or Ed25519) under {@code alg}, with {@code kid} if not null. */
    static String sign(JWSAlgorithm alg, PrivateKey privateKey, String kid, JWTClaimsSet claims) {
        JWSSigner signer;
        if (privateKey instanceof ECPrivateKey ec) {
            try {
                signer = new ECDSASigner(ec);
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        } else if (privateKey.getAlgorithm().startsWith("Ed")) {
            signer = new JdkEd25519Signer(privateKey);
        } else {
            signer = new RSASSASigner(privateKey);
        }
        return sign(new JWSHeader.Builder(alg).keyID(kid).build(), signer, claims);
    }

    static String sign(JWSAlgorithm alg, KeyPair pair, JWTClaimsSet claims) {
        return sign(alg, pair.getPrivate(), null, claims);
    }

    static String sign(JWSHeader header, JWSSigner signer, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /** A compact token assembled by hand: header JSON, payload JSON, signature (base64url or ""). */
    static String raw(String headerJson, String payloadJson, String signature) {
        return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
    }

    static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Asserts that {@code token} is refused with UNAUTHORIZED and returns the message. */
    static String rejected(TokenVerifier verifier, String token) {
        ServerException e = assertThrows(ServerException.class, () -> verifier.verify(token));
        assertEquals(ErrorCode.UNAUTHORIZED, e.code());
        return e.getMessage();
    }

    /** Ed25519 signing with the JDK (nimbus's Ed25519Signer needs Tink). */
    static final class JdkEd25519Signer extends BaseJWSProvider implements JWSSigner {
        private final PrivateKey key;

        JdkEd25519Signer(PrivateKey key) {
            super(Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519));
            this.key = key;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            try {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(key);
                s.update(signingInput);
                return Base64URL.encode(s.sign());
            } catch (GeneralSecurityException e) {
                throw new JOSEException(e.getMessage(), e);
            }
        }
    }
}
