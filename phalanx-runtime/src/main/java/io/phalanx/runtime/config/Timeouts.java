package io.phalanx.runtime.config;

/**
 * The {@code timeouts} section. Every duration is in milliseconds and must be positive.
 *
 * @param requestMs          how long a pending request waits before it is forwarded (and, at a
 *                           second expiry, a leader change is asked for)
 * @param connectMs          TCP connect attempt limit
 * @param handshakeMs        TLS handshake limit; a peer that does not finish is disconnected
 * @param reconnectInitialMs first delay before redialling a lost peer; doubles after each failure
 * @param reconnectMaxMs     cap on the redial delay
 * @param frameIncompleteMs  how long a frame may take from its first byte to its last; a peer
 *                           that leaves one incomplete longer is disconnected
 */
public record Timeouts(long requestMs, long connectMs, long handshakeMs, long reconnectInitialMs, long reconnectMaxMs,
                       long frameIncompleteMs) {
    /** Default {@code frameIncompleteMs}: 30 s. */
    public static final long FRAME_INCOMPLETE_DEFAULT_MS = 30_000;

    /**
     * The section's values when the file omits it.
     *
     * @return 2 s request and connect timeouts, a 5 s handshake, redials from 100 ms up to 5 s
     */
    public static Timeouts defaults() {
        return new Timeouts(2000, 2000, 5000, 100, 5000);
    }

    /**
     * Timeouts with the default {@code frameIncompleteMs}.
     *
     * @param requestMs          how long a pending request waits before it is forwarded
     * @param connectMs          TCP connect attempt limit
     * @param handshakeMs        TLS handshake limit
     * @param reconnectInitialMs first delay before redialling a lost peer
     * @param reconnectMaxMs     cap on the redial delay
     */
    public Timeouts(long requestMs, long connectMs, long handshakeMs, long reconnectInitialMs, long reconnectMaxMs) {
        this(requestMs, connectMs, handshakeMs, reconnectInitialMs, reconnectMaxMs, FRAME_INCOMPLETE_DEFAULT_MS);
    }
}
