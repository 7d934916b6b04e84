package io.phalanx.core.crypto;

import io.phalanx.core.view.View;

import io.phalanx.core.message.Bytes;

/**
 * Checks signatures against the public keys of a view's replicas and of the known clients.
 * Implementations never throw on bad input: a malformed signature or an unknown signer is simply
 * invalid.
 */
public interface SignatureVerifier {
    /**
     * Checks a replica's signature as a member of {@code view}: under the public key the view
     * names for it ({@link View#publicKeys()}), so verification follows the view rather than
     * keys fixed when the verifier was built. A verifier for views that carry no keys (the
     * simulator's, tests') may keep its own by replica id; a replica that is not a member never
     * signs validly.
     *
     * @param view      the view the signature is checked in
     * @param replicaId the replica said to have signed
     * @param message   the signed bytes
     * @param signature the signature to check
     * @return true if {@code replicaId} is a member of {@code view} and {@code signature} is its
     *         signature of {@code message}
     */
    boolean verifyReplica(View view, int replicaId, byte[] message, Bytes signature);

    /**
     * Checks a client's signature.
     *
     * @param clientId  the client said to have signed
     * @param message   the signed bytes
     * @param signature the signature to check
     * @return true if {@code signature} is client {@code clientId}'s signature of {@code message}
     */
    boolean verifyClient(long clientId, byte[] message, Bytes signature);
}
