package io.phalanx.bench;

/**
 * Which signatures the pumped cluster really computes, so a measurement can separate the
 * protocol logic from the cost of public-key cryptography.
 */
public enum Signatures {
    /**
     * A no-op signer (a constant 64-byte signature) and a verifier that accepts everything: the
     * cost of the protocol logic alone, with messages of their real shape.
     */
    NONE,
    /**
     * Real JDK Ed25519 on replica votes: every ACCEPT signed by its sender (WRITEs are unsigned),
     * and verified only when a receiver must decide on a bare quorum, which the pump, where every
     * replica votes, never makes it do; client requests unsigned, as in
     * {@code ReplicaConfig.defaults}.
     */
    REPLICAS,
    /**
     * As {@link #REPLICAS}, and the cluster requires client signatures
     * ({@code clientSignaturesRequired}): every replica verifies every request it admits and
     * every request of a proposal it validates. Clients sign in the pump, outside the replicas'
     * step time.
     */
    REPLICAS_AND_CLIENTS
}
