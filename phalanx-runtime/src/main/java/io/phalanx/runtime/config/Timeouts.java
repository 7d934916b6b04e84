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
 */
public record Timeouts(long requestMs, long connectMs, long handshakeMs, long reconnectInitialMs, long reconnectMaxMs) {
    public static Timeouts defaults() {
        return new Timeouts(2000, 2000, 5000, 100, 5000);
    }
}
