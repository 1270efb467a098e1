package dev.socketserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The public keys tokens are verified with, and the JWS algorithms each one admits. The
 * algorithm is fixed by the key, never chosen by the token: an RSA key admits only RS* and PS*,
 * an EC key only the ES* of its curve, an Ed25519 key only EdDSA (and its fully-specified name
 * {@code Ed25519}).
 */
final class SigningKeys {
    /** RSA keys shorter than this are refused (configured ones loudly, JWKS ones skipped). */
    static final int MIN_RSA_BITS = 2048;

    static final Set<JWSAlgorithm> HMAC = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
    static final Set<JWSAlgorithm> RSA = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    static final Set<JWSAlgorithm> EDDSA = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    /** Everything a JWKS may provide: RSA, EC on P-256/P-384/P-521, Ed25519. Never HMAC or none. */
    static final Set<JWSAlgorithm> ASYMMETRIC;

    static {
        Set<JWSAlgorithm> all = new LinkedHashSet<>(RSA);
        all.addAll(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512));
        all.addAll(EDDSA);
        ASYMMETRIC = Set.copyOf(all);
    }

    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 raw key bytes follow. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private SigningKeys() {
    }

    /**
     * The algorithms {@code key} verifies.
     *
     * @throws IllegalArgumentException if the key is of a type, curve or size we do not accept;
     *     the message says why and never contains key material
     */
    static Set<JWSAlgorithm> algorithmsFor(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException("the RSA key has " + bits + " bits; at least "
                        + MIN_RSA_BITS + " are required");
            }
            return RSA;
        }
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (Curve.P_256.equals(curve)) {
                return Set.of(JWSAlgorithm.ES256);
            }
            if (Curve.P_384.equals(curve)) {
                return Set.of(JWSAlgorithm.ES384);
            }
            if (Curve.P_521.equals(curve)) {
                return Set.of(JWSAlgorithm.ES512);
            }
            throw new IllegalArgumentException("the EC key is on an unsupported curve (P-256, P-384 and P-521 are supported)");
        }
        if (key instanceof EdECPublicKey ed) {
            if ("Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
                return EDDSA;
            }
            throw new IllegalArgumentException("the " + ed.getParams().getName()
                    + " key is not supported (Ed25519 is)");
        }
        throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm()
                + " (RSA, EC and Ed25519 are supported)");
    }

    /** Whether {@code key} is acceptable and admits {@code alg}; never throws. */
    static boolean admits(PublicKey key, JWSAlgorithm alg) {
        try {
            return algorithmsFor(key).contains(alg);
        } catch (IllegalArgumentException unsupported) {
            return false;
        }
    }

    /** The Java public key of a JWKS entry, or {@code null} if it is not one we can verify with. */
    static PublicKey fromJwk(JWK jwk) {
        try {
            if (jwk instanceof RSAKey rsa) {
                return rsa.toRSAPublicKey();
            }
            if (jwk instanceof ECKey ec) {
                return ec.toECPublicKey();
            }
            if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                return ed25519(okp.getDecodedX());
            }
        } catch (JOSEException | IllegalArgumentException unusable) {
            return null;
        }
        return null;
    }

    /** An Ed25519 public key from its 32 raw bytes (the JWK {@code x}). */
    static PublicKey ed25519(byte[] raw) {
        if (raw == null || raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes");
        }
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("invalid Ed25519 public key");
        }
    }
}
