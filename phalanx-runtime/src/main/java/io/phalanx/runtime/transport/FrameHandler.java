package io.phalanx.runtime.transport;

/**
 * Receives frames from replicas (on a replica's mesh, or on a client's connector). Called on
 * the connection's network thread (a Netty event loop), which may step the protocol right there
 * (a replica's {@code ProtocolLoop}, a client's {@code ClientLoop}): an implementation must not
 * block, and work for another thread goes there through a bounded queue. The frame array
 * belongs to the receiver.
 */
@FunctionalInterface
public interface FrameHandler {
    /**
     * A frame arrived from a replica.
     *
     * @param replicaId the replica its connection authenticated
     * @param frame     the frame's payload; the array belongs to the receiver
     */
    void onFrame(int replicaId, byte[] frame);

    /**
     * An authenticated connection to {@code replicaId} is now usable. Does nothing by default.
     *
     * @param replicaId the replica now connected
     */
    default void onPeerUp(int replicaId) {
    }

    /**
     * The connection to {@code replicaId} is gone; frames to it are dropped until it is back.
     * Does nothing by default.
     *
     * @param replicaId the replica no longer connected
     */
    default void onPeerDown(int replicaId) {
    }
}
