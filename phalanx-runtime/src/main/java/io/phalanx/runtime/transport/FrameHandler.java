package io.phalanx.runtime.transport;

/**
 * Receives frames from replicas (on a replica's mesh, or on a client's connector). Called on
 * Netty I/O threads: an implementation must not block — it should hand the frame to its
 * protocol thread (through a bounded queue) and return. The frame array belongs to the
 * receiver.
 */
@FunctionalInterface
public interface FrameHandler {
    void onFrame(int replicaId, byte[] frame);

    /** An authenticated connection to {@code replicaId} is now usable. */
    default void onPeerUp(int replicaId) {
    }

    /** The connection to {@code replicaId} is gone; frames to it are dropped until it is back. */
    default void onPeerDown(int replicaId) {
    }
}
