package io.phalanx.core.crypto;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.View;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.Objects;

/**
 * Ed25519 signatures from the JDK (no extra dependency): one key pair per replica and per
 * client, public keys known to everyone through the view and the cluster configuration. Key
 * generation happens outside the core (it needs a source of randomness); signing is
 * deterministic.
 */
public final class Ed25519 {
    /** Length of an Ed25519 signature. */
    public static final int SIGNATURE_LENGTH = 64;

    private Ed25519() {
    }

    /**
     * A signer for the node holding {@code privateKey}.
     *
     * @param privateKey the node's Ed25519 private key
     * @return a signer that signs with it
     */
    public static Signer signer(PrivateKey privateKey) {
        Objects.requireNonNull(privateKey, "privateKey");
        return message -> {
            try {
                Signature signature = Signature.getInstance("Ed25519");
                signature.initSign(privateKey);
                signature.update(message);
                return Bytes.copyOf(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
            }
        };
    }

    /**
     * A verifier over the given replicas' and clients' public keys. A replica's signature is
     * checked under the key its view names when the view carries keys (decoded from the X.509
     * encoding), and under {@code replicaKeys} when it carries none.
     *
     * @param replicaKeys the replicas' public keys by replica id, for views without keys
     * @param clientKeys  the clients' public keys by client id
     * @return a verifier that treats a signer missing from the maps as invalid
     */
    public static SignatureVerifier verifier(Map<Integer, PublicKey> replicaKeys, Map<Long, PublicKey> clientKeys) {
        Map<Integer, PublicKey> replicas = Map.copyOf(replicaKeys);
        Map<Long, PublicKey> clients = Map.copyOf(clientKeys);
        return new SignatureVerifier() {
            @Override
            public boolean verifyReplica(View view, int replicaId, byte[] message, Bytes signature) {
                if (!view.contains(replicaId)) {
                    return false;
                }
                Bytes named = view.publicKeys().get(replicaId);
                return verify(named == null ? replicas.get(replicaId) : decode(named), message, signature);
            }

            @Override
            public boolean verifyClient(long clientId, byte[] message, Bytes signature) {
                return verify(clients.get(clientId), message, signature);
            }
        };
    }

    /**
     * Checks one signature.
     *
     * @param key       the signer's public key, or null if the signer is unknown
     * @param message   the signed bytes
     * @param signature the signature to check
     * @return true if {@code signature} is valid for {@code message} under {@code key}; false for
     *         any bad input, a null key included
     */
    public static boolean verify(PublicKey key, byte[] message, Bytes signature) {
        if (key == null || signature.length() != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature.toArray());
        } catch (InvalidKeyException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519: " + e.getMessage(), e);
        }
    }

    /** The key {@code encoded} holds, or null if it is no Ed25519 public key (so nothing verifies under it). */
    private static PublicKey decode(Bytes encoded) {
        try {
            return publicKey(encoded);
        } catch (InvalidKeyException e) {
            return null;
        }
    }

    /**
     * Decodes an X.509 (SubjectPublicKeyInfo) encoded Ed25519 public key, as stored in views.
     *
     * @param encoded the encoded key
     * @return the public key
     * @throws InvalidKeyException if {@code encoded} is not an Ed25519 public key
     */
    public static PublicKey publicKey(Bytes encoded) throws InvalidKeyException {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded.toArray()));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new InvalidKeyException("not an Ed25519 public key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no Ed25519: " + e.getMessage(), e);
        }
    }
}
