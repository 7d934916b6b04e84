package io.phalanx.runtime.transport;

/**
 * What a {@link Connections} table reports to the transport that owns it, with ids widened
 * to {@code long} so replicas and clients share one implementation. Called on Netty I/O
 * threads.
 */
interface PeerEvents {
    void onUp(long peerId);

    void onDown(long peerId);

    void onFrame(long peerId, byte[] frame);
}
