package io.phalanx.runtime;

import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.View;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ed25519 for the runtime: Bouncy Castle's implementation behind the core's {@link Signer} and
 * {@link SignatureVerifier} interfaces, plus a bounded cache of signatures already found valid.
 *
 * <p>Why not the core's JDK-based {@code Ed25519}: on JDK 17 it costs about 1.5 ms per signature
 * and per verification, which caps a replica at a few hundred verified requests per second;
 * Bouncy Castle's is several times faster, and the signatures are the same standard Ed25519
 * (RFC 8032) bytes, so either side can check the other's.
 *
 * <p>Why a cache: the core checks a request's signature when it arrives and again when it
 * appears in a PROPOSE, and an ACCEPT's when it decides and again when the ACCEPT comes back in
 * a proof. The driver calls {@link #verifyClient} as it decodes a frame, on the connection's
 * network thread (with several network threads, beside the protocol's), and the core's later
 * checks of the same bytes hit the cache instead of verifying again. Only successes are
 * cached, keyed by the signer's public key and the signature, and a hit also needs
 * the SHA-256 of the message to match, so a cached entry can never validate other bytes, nor
 * a signature under a key the signer no longer has.
 *
 * <p>A replica's key is the one the view names ({@link View#publicKeys()}), decoded once per
 * distinct key: views are trusted (the cluster file, ordered reconfigurations), so the keys
 * decoded are bounded by the replicas the views ever named. Thread-safe.
 */
final class FastEd25519 implements SignatureVerifier {
    /** Verified signatures remembered; the oldest are forgotten first. */
    static final int CACHE_ENTRIES_MAX = 65_536;
    private static final int SIGNATURE_LENGTH = 64;

    private record Key(Bytes publicKey, Bytes signature) {
    }

    /** A known signer's key: its encoding (what the cache is keyed by) and its decoded form. */
    private record SignerKey(Bytes encoded, Ed25519PublicKeyParameters parameters) {
    }

    /** Replica keys the views named, decoded; empty for an encoding that is no Ed25519 key. */
    private final Map<Bytes, Optional<SignerKey>> replicas = new ConcurrentHashMap<>();
    private final Map<Long, SignerKey> clients = new HashMap<>();
    private final LinkedHashMap<Key, byte[]> verified = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
            return size() > CACHE_ENTRIES_MAX;
        }
    };

    /** A verifier of replicas under their views' keys and of the given clients. */
    FastEd25519(Map<Long, PublicKey> clientKeys) {
        clientKeys.forEach((id, key) -> {
            Bytes encoded = Bytes.copyOf(key.getEncoded());
            clients.put(id, new SignerKey(encoded, publicKey(encoded)));
        });
    }

    /** A signer with {@code privateKey} (an Ed25519 JDK key, as read from PEM). */
    static Signer signer(PrivateKey privateKey) {
        Ed25519PrivateKeyParameters key;
        try {
            AsymmetricKeyParameter parameters = PrivateKeyFactory.createKey(privateKey.getEncoded());
            key = (Ed25519PrivateKeyParameters) parameters;
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not an Ed25519 private key: " + e.getMessage(), e);
        }
        return message -> {
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, key);
            signer.update(message, 0, message.length);
            return Bytes.copyOf(signer.generateSignature());
        };
    }

    private static Ed25519PublicKeyParameters publicKey(Bytes encoded) {
        try {
            return (Ed25519PublicKeyParameters) PublicKeyFactory.createKey(encoded.toArray());
        } catch (IOException | ClassCastException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    private static Optional<SignerKey> replicaKey(Bytes encoded) {
        try {
            return Optional.of(new SignerKey(encoded, publicKey(encoded)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean verifyReplica(View view, int replicaId, byte[] message, Bytes signature) {
        Bytes named = view.contains(replicaId) ? view.publicKeys().get(replicaId) : null;
        return named != null && verify(replicas.computeIfAbsent(named, FastEd25519::replicaKey).orElse(null), message,
                signature);
    }

    @Override
    public boolean verifyClient(long clientId, byte[] message, Bytes signature) {
        return verify(clients.get(clientId), message, signature);
    }

    private boolean verify(SignerKey signer, byte[] message, Bytes signature) {
        if (signer == null || signature.length() != SIGNATURE_LENGTH) {
            return false;
        }
        Ed25519PublicKeyParameters key = signer.parameters();
        Key cacheKey = new Key(signer.encoded(), signature);
        byte[] digest = sha256(message);
        byte[] known;
        synchronized (verified) {
            known = verified.get(cacheKey);
        }
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return true;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(message, 0, message.length);
        if (!verifier.verifySignature(signature.toArray())) {
            return false;
        }
        synchronized (verified) {
            verified.put(cacheKey, digest);
        }
        return true;
    }

    private static byte[] sha256(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
