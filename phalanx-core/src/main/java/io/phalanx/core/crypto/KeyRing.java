package io.phalanx.core.crypto;

import io.phalanx.core.view.View;

/**
 * The signing keys one replica holds. A replica signs with the key the view in force names for
 * it, so during a key rotation (an administrator's {@code ViewChange.Replace}) it holds its old key
 * and its new one, and signs with the new one from the first instance of the view that names it:
 * peers check each signature under the key of the view of its instance.
 */
@FunctionalInterface
public interface KeyRing {
    /**
     * The signer for the key {@code view} names for replica {@code replicaId}.
     *
     * @param view      the view in force
     * @param replicaId the replica that signs
     * @return the signer whose signatures {@code view}'s key for that replica verifies
     * @throws IllegalStateException if the ring does not hold that key: the replica cannot take
     *                               part in the view until it is given the key
     */
    Signer signerFor(View view, int replicaId);

    /**
     * A ring of one key, used whatever the view.
     *
     * @param signer the only signer
     * @return the ring
     */
    static KeyRing of(Signer signer) {
        java.util.Objects.requireNonNull(signer, "signer");
        return (view, replicaId) -> signer;
    }
}
