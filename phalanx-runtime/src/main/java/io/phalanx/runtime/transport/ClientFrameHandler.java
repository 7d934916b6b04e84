package io.phalanx.runtime.transport;

/**
 * Receives frames from clients on a replica's client port, with the client id the transport
 * learnt from the client's certificate. Called on Netty I/O threads: must not block.
 */
@FunctionalInterface
public interface ClientFrameHandler {
    void onFrame(long clientId, byte[] frame);

    default void onClientUp(long clientId) {
    }

    default void onClientDown(long clientId) {
    }
}
