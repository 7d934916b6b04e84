package io.phalanx.sim;

import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.KeyRing;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;

/**
 * Signatures for the simulator: HMAC-SHA256 under a per-node secret derived from the run's seed.
 * Real Ed25519 would make a sweep of thousands of seeds take hours, and what the simulator needs
 * of a signature is only its contract — a node can sign as itself and nobody else, and anyone can
 * check — which holds here because a Byzantine node is handed only its own {@link Signer}; the
 * verifier (which knows every secret) is used by correct code only. Twins share one identity and
 * therefore one signer, as they would share a key.
 */
final class SimCrypto implements SignatureVerifier {
    private final long seed;
    private final Map<Long, Mac> macs = new HashMap<>();

    SimCrypto(long seed) {
        this.seed = seed;
    }

    /** The signer of replica {@code id}. */
    Signer replicaSigner(int id) {
        return message -> sign(replicaKey(id), message);
    }

    /**
     * The signer of replica {@code id} under the key {@code view} names for it (the administrator
     * replaced or gave it one), or its own key if the view names none: every replica holds every
     * key the administrator may give it, as a replica holds its new key before the rotation.
     */
    KeyRing replicaKeys(int id) {
        return (view, replicaId) -> {
            Bytes key = view.publicKeys().get(replicaId);
            long secret = key == null ? replicaKey(replicaId) : replicaKey(replicaId, key);
            return message -> sign(secret, message);
        };
    }

    /** The signer of client {@code clientId}. */
    Signer clientSigner(long clientId) {
        return message -> sign(clientKey(clientId), message);
    }

    @Override
    public boolean verifyReplica(io.phalanx.core.view.View view, int replicaId, byte[] message, Bytes signature) {
        if (!view.contains(replicaId)) {
            return false;
        }
        Bytes key = view.publicKeys().get(replicaId);
        return sign(key == null ? replicaKey(replicaId) : replicaKey(replicaId, key), message).equals(signature);
    }

    @Override
    public boolean verifyClient(long clientId, byte[] message, Bytes signature) {
        return sign(clientKey(clientId), message).equals(signature);
    }

    private static long replicaKey(int id) {
        return id;
    }

    /** A key the administrator named: apart from every replica's own key (small) and every client's (negative). */
    private static long replicaKey(int id, Bytes key) {
        return 0x4000_0000_0000_0000L | ((((long) key.hashCode() & 0xFFFF_FFFFL) << 20) ^ id);
    }

    private static long clientKey(long clientId) {
        return -1 - clientId;
    }

    private Bytes sign(long key, byte[] message) {
        Mac mac = macs.computeIfAbsent(key, this::newMac);
        return Bytes.copyOf(mac.doFinal(message));
    }

    private Mac newMac(long key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            byte[] secret = java.nio.ByteBuffer.allocate(16).putLong(seed).putLong(key).array();
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }
}
