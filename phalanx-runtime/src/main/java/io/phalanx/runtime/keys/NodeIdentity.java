package io.phalanx.runtime.keys;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * One node's secret and public halves: the Ed25519 private key and the self-signed certificate
 * that carries its public key. The same key signs protocol messages and authenticates the node
 * in TLS, so the certificate is the one place a node's identity is written down.
 *
 * @param privateKey  the node's Ed25519 private key
 * @param certificate the self-signed certificate of its public key
 */
public record NodeIdentity(PrivateKey privateKey, X509Certificate certificate) {
    /**
     * Checks that both halves are present.
     *
     * @param privateKey  the node's Ed25519 private key
     * @param certificate the self-signed certificate of its public key
     */
    public NodeIdentity {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificate, "certificate");
    }

    /**
     * The node's public key.
     *
     * @return the certificate's public key
     */
    public PublicKey publicKey() {
        return certificate.getPublicKey();
    }
}
