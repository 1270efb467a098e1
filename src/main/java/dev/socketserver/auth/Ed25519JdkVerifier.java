package dev.socketserver.auth;

import com.nimbusds.jose.CriticalHeaderParamsAware;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.impl.AlgorithmSupportMessage;
import com.nimbusds.jose.crypto.impl.BaseJWSProvider;
import com.nimbusds.jose.crypto.impl.CriticalHeaderParamsDeferral;
import com.nimbusds.jose.util.Base64URL;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Set;

/**
 * EdDSA (Ed25519) JWS verification with the JDK's own Ed25519 (Java 15+), behind nimbus's
 * {@link JWSVerifier}. nimbus's {@code Ed25519Verifier} needs Google Tink on the class path; the
 * JDK provides the same primitive without a dependency. Like nimbus's verifiers, it rejects
 * tokens with {@code crit} header parameters it does not understand.
 */
final class Ed25519JdkVerifier extends BaseJWSProvider implements JWSVerifier, CriticalHeaderParamsAware {
    private static final int SIGNATURE_BYTES = 64;

    private final PublicKey key;
    private final CriticalHeaderParamsDeferral critPolicy = new CriticalHeaderParamsDeferral();

    Ed25519JdkVerifier(PublicKey key) {
        super(SigningKeys.EDDSA);
        this.key = key;
    }

    @Override
    public Set<String> getProcessedCriticalHeaderParams() {
        return critPolicy.getProcessedCriticalHeaderParams();
    }

    @Override
    public Set<String> getDeferredCriticalHeaderParams() {
        return critPolicy.getDeferredCriticalHeaderParams();
    }

    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (!supportedJWSAlgorithms().contains(header.getAlgorithm())) {
            throw new JOSEException(AlgorithmSupportMessage.unsupportedJWSAlgorithm(
                    header.getAlgorithm(), supportedJWSAlgorithms()));
        }
        if (!critPolicy.headerPasses(header)) {
            return false;
        }
        byte[] sig = signature.decode();
        if (sig.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Provider provider = getJCAContext().getProvider();
            Signature verifier = provider == null
                    ? Signature.getInstance("Ed25519") : Signature.getInstance("Ed25519", provider);
            verifier.initVerify(key);
            verifier.update(signingInput);
            return verifier.verify(sig);
        } catch (SignatureException malformed) {
            return false;
        } catch (InvalidKeyException e) {
            throw new JOSEException("invalid Ed25519 public key", e);
        } catch (NoSuchAlgorithmException e) {
            throw new JOSEException("Ed25519 is not available in this JDK", e);
        }
    }
}
