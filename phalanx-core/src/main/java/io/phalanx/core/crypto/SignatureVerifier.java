package io.phalanx.core.crypto;

import io.phalanx.core.message.Bytes;

/**
 * Checks signatures against the public keys of the view's replicas and of the known clients.
 * Implementations never throw on bad input: a malformed signature or an unknown signer is simply
 * invalid.
 */
public interface SignatureVerifier {
    /**
     * Checks a replica's signature.
     *
     * @param replicaId the replica said to have signed
     * @param message   the signed bytes
     * @param signature the signature to check
     * @return true if {@code signature} is replica {@code replicaId}'s signature of {@code message}
     */
    boolean verifyReplica(int replicaId, byte[] message, Bytes signature);

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
