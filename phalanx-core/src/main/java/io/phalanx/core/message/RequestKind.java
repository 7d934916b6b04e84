package io.phalanx.core.message;

/**
 * Whether a client request goes through consensus. Unordered requests are read-only queries
 * answered from a replica's current state; the client accepts them only when a Byzantine quorum
 * of replicas agree, and otherwise retries them as ordered requests.
 */
public enum RequestKind {
    /** Goes through consensus and is executed by every replica in the decided order. */
    ORDERED,
    /** A read-only query, answered from each replica's current state without consensus. */
    UNORDERED
}
