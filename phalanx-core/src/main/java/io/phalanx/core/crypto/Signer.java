package io.phalanx.core.crypto;

import io.phalanx.core.message.Bytes;

/**
 * Signs on behalf of one node (a replica or a client) with its private key. The core asks for
 * signatures on the messages that may become proof (WRITE, ACCEPT, STOPDATA) and clients sign
 * requests when the cluster requires it; implementations must be deterministic in their output's
 * validity, not necessarily in its bytes.
 */
@FunctionalInterface
public interface Signer {
    /** Signs nothing: for clients of clusters that do not require client signatures. */
    Signer NONE = message -> Bytes.EMPTY;

    /**
     * Signs {@code message} with the node's private key.
     *
     * @param message the bytes to sign (for a message: its encoding with an empty signature field)
     * @return the signature
     */
    Bytes sign(byte[] message);
}
