package dev.socketserver.auth;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code AUTH_JWT_PUBLIC_KEY} setting: inline PEM (the value starts with
 * {@code -----BEGIN}) or the path of a PEM file. Accepted blocks: {@code PUBLIC KEY}
 * (SubjectPublicKeyInfo: RSA, EC, Ed25519) and {@code CERTIFICATE} (X.509; only its public key is
 * used, the certificate's dates and chain are not checked). The first PEM block is used.
 *
 * <p>Error messages never repeat the value: a mistyped setting may hold a secret.
 */
final class PemKeys {
    static final String SETTING = "AUTH_JWT_PUBLIC_KEY";

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

    private PemKeys() {
    }

    /** The public key the setting designates; {@link IllegalArgumentException} with a clear message if none. */
    static PublicKey read(String setting) {
        String value = setting.strip();
        String pem;
        if (value.startsWith("-----BEGIN")) {
            // Environment variables often carry PEM with literal "\n" instead of line breaks.
            pem = value.replace("\\n", "\n");
        } else {
            try {
                // ISO-8859-1 decodes any bytes: a binary (DER) file then reports "no PEM block".
                pem = new String(Files.readAllBytes(Path.of(value)), StandardCharsets.ISO_8859_1);
            } catch (IOException | InvalidPathException | SecurityException e) {
                throw new IllegalArgumentException(SETTING + " is neither inline PEM (a value starting with "
                        + "-----BEGIN) nor the path of a readable file");
            }
        }
        return parse(pem);
    }

    static PublicKey parse(String pem) {
        Matcher m = BLOCK.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(SETTING + " holds no PEM block (expected -----BEGIN PUBLIC KEY----- "
                    + "or -----BEGIN CERTIFICATE-----)");
        }
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SETTING + ": the " + type + " PEM block is not valid base64");
        }
        switch (type) {
            case "PUBLIC KEY":
                return subjectPublicKeyInfo(der);
            case "CERTIFICATE":
                return certificate(der);
            case "RSA PUBLIC KEY":
                throw new IllegalArgumentException(SETTING + ": PKCS#1 'RSA PUBLIC KEY' PEMs are not supported; "
                        + "convert with: openssl rsa -RSAPublicKey_in -in key.pem -pubout");
            default:
                if (type.contains("PRIVATE KEY")) {
                    throw new IllegalArgumentException(SETTING + " holds a private key; configure the public key "
                            + "only (openssl pkey -in key.pem -pubout)");
                }
                throw new IllegalArgumentException(SETTING + ": unsupported PEM block '" + type
                        + "' (expected PUBLIC KEY or CERTIFICATE)");
        }
    }

    private static PublicKey subjectPublicKeyInfo(byte[] der) {
        for (String algorithm : List.of("RSA", "EC", "EdDSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException notThisType) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException(SETTING + ": the PUBLIC KEY is not a valid RSA, EC or Ed25519 key");
    }

    private static PublicKey certificate(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException(SETTING + ": the CERTIFICATE could not be parsed");
        }
    }
}
