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

    /** Events for a transport whose peers are replicas (int ids). */
    static PeerEvents of(FrameHandler handler) {
        return new PeerEvents() {
            @Override
            public void onUp(long peerId) {
                handler.onPeerUp((int) peerId);
            }

            @Override
            public void onDown(long peerId) {
                handler.onPeerDown((int) peerId);
            }

            @Override
            public void onFrame(long peerId, byte[] frame) {
                handler.onFrame((int) peerId, frame);
            }
        };
    }
}
