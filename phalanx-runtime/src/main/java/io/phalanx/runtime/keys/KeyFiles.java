package io.phalanx.runtime.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Loads a node's private key at start and checks it belongs to the certificate the cluster
 * file lists for that node: a mismatched key would otherwise show up only as every peer
 * rejecting our handshakes.
 */
public final class KeyFiles {
    private KeyFiles() {
    }

    /** Reads {@code privateKeyFile} and pairs it with {@code certificate}, after proving they match. */
    public static NodeIdentity loadIdentity(Path privateKeyFile, X509Certificate certificate) throws IOException {
        PrivateKey key = Pem.readPrivateKey(privateKeyFile);
        if (!matches(key, certificate)) {
            throw new IOException(privateKeyFile + ": private key does not match certificate "
                    + certificate.getSubjectX500Principal());
        }
        return new NodeIdentity(key, certificate);
    }

    /** True if a signature made with {@code key} verifies under the certificate's public key. */
    public static boolean matches(PrivateKey key, X509Certificate certificate) {
        try {
            byte[] probe = "phalanx key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(key.getAlgorithm());
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(certificate.getPublicKey().getAlgorithm());
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
