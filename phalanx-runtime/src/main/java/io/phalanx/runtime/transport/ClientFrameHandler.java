package io.phalanx.runtime.transport;

/**
 * Receives frames from clients on a replica's client port, with the client id the transport
 * learnt from the client's certificate. Called on Netty I/O threads: must not block.
 */
@FunctionalInterface
public interface ClientFrameHandler {
    /**
     * A frame arrived from a client.
     *
     * @param clientId the client its connection authenticated
     * @param frame    the frame's payload; the array belongs to the receiver
     */
    void onFrame(long clientId, byte[] frame);

    /**
     * An authenticated connection from {@code clientId} is now usable. Does nothing by default.
     *
     * @param clientId the client that connected
     */
    default void onClientUp(long clientId) {
    }

    /**
     * The connection from {@code clientId} is gone. Does nothing by default.
     *
     * @param clientId the client that disconnected
     */
    default void onClientDown(long clientId) {
    }
}
