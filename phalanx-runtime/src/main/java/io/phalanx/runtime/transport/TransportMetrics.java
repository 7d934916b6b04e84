package io.phalanx.runtime.transport;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one transport instance (a mesh, a client port, a client connector): enough to
 * see from a test or a status line that connections come and go, frames flow, and that bad
 * input is being refused rather than silently absorbed. Thread-safe; never reset. Every
 * transport has its own instance — there is no global registry.
 */
public final class TransportMetrics {
    private final LongAdder connectionsUp = new LongAdder();
    private final LongAdder connectionsDown = new LongAdder();
    private final LongAdder framesIn = new LongAdder();
    private final LongAdder framesOut = new LongAdder();
    private final LongAdder framesDropped = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private final LongAdder badFrames = new LongAdder();
    private final LongAdder rejectedHandshakes = new LongAdder();
    private final LongAdder incompleteFrames = new LongAdder();

    /**
     * A consistent-enough copy of the counters for reading.
     *
     * @param connectionsUp      authenticated connections established
     * @param connectionsDown    authenticated connections lost or closed
     * @param framesIn           frames received and handed to the callback
     * @param framesOut          frames written to the socket
     * @param framesDropped      frames refused by a full queue or a missing connection, or whose write failed
     * @param badFrames          connections closed for a malformed or oversized frame
     * @param rejectedHandshakes connections closed before authentication: unknown certificate,
     *                           wrong peer, not TLS, handshake timeout
     * @param incompleteFrames   connections closed because a frame stayed incomplete longer than
     *                           {@code timeouts.frameIncompleteMs}
     * @param flushes            batches of frames handed to TLS and the socket at once (one
     *                           TLS record per 16 KiB of a batch); {@code framesOut / flushes}
     *                           is the average batch
     */
    public record Snapshot(long connectionsUp, long connectionsDown, long framesIn, long framesOut,
                           long framesDropped, long badFrames, long rejectedHandshakes, long flushes,
                           long incompleteFrames) {
    }

    /**
     * Reads the counters.
     *
     * @return their values now, each read on its own (not atomically together)
     */
    public Snapshot snapshot() {
        return new Snapshot(connectionsUp.sum(), connectionsDown.sum(), framesIn.sum(), framesOut.sum(),
                framesDropped.sum(), badFrames.sum(), rejectedHandshakes.sum(), flushes.sum(),
                incompleteFrames.sum());
    }

    void connectionUp() {
        connectionsUp.increment();
    }

    void connectionDown() {
        connectionsDown.increment();
    }

    void frameIn() {
        framesIn.increment();
    }

    void frameOut() {
        framesOut.increment();
    }

    void frameDropped() {
        framesDropped.increment();
    }

    void flush() {
        flushes.increment();
    }

    void badFrame() {
        badFrames.increment();
    }

    void rejectedHandshake() {
        rejectedHandshakes.increment();
    }

    void incompleteFrame() {
        incompleteFrames.increment();
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
