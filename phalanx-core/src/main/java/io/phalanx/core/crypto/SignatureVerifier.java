package io.phalanx.core.crypto;

import io.phalanx.core.message.Bytes;

/**
 * Checks signatures against the public keys of the view's replicas and of the known clients.
 * Implementations never throw on bad input: a malformed signature or an unknown signer is simply
 * invalid.
 */
public interface SignatureVerifier {
    /** True if {@code signature} is replica {@code replicaId}'s signature of {@code message}. */
    boolean verifyReplica(int replicaId, byte[] message, Bytes signature);

    /** True if {@code signature} is client {@code clientId}'s signature of {@code message}. */
    boolean verifyClient(long clientId, byte[] message, Bytes signature);
}
