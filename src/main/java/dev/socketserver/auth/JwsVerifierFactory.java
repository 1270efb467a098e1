package dev.socketserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeyTypeException;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import java.security.Key;
import java.security.interfaces.EdECPublicKey;
import java.util.HashSet;
import java.util.Set;

/** nimbus's default verifiers (HMAC, RSA, EC) plus {@link Ed25519JdkVerifier} for EdDSA. */
final class JwsVerifierFactory implements JWSVerifierFactory {
    private final DefaultJWSVerifierFactory standard = new DefaultJWSVerifierFactory();
    private final Set<JWSAlgorithm> supported;

    JwsVerifierFactory() {
        Set<JWSAlgorithm> all = new HashSet<>(standard.supportedJWSAlgorithms());
        all.addAll(SigningKeys.EDDSA);
        supported = Set.copyOf(all);
    }

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
        if (SigningKeys.EDDSA.contains(header.getAlgorithm())) {
            if (!(key instanceof EdECPublicKey)) {
                throw new KeyTypeException(EdECPublicKey.class);
            }
            return new Ed25519JdkVerifier((EdECPublicKey) key);
        }
        return standard.createJWSVerifier(header, key);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return supported;
    }

    @Override
    public JCAContext getJCAContext() {
        return standard.getJCAContext();
    }
}
