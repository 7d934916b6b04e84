package io.phalanx.core.client;

/**
 * Client-side protocol limits.
 *
 * @param retransmitTimeoutMs    first wait for a result before resending a request (ordered) or
 *                               falling back to the ordered path (unordered)
 * @param retransmitTimeoutMaxMs cap of the doubling retransmission timeout
 * @param outstandingMax         most operations in flight at once; must not exceed the replicas'
 *                               {@code clientWindowMax}, or replicas refuse the later sequence numbers
 */
public record ClientConfig(long retransmitTimeoutMs, long retransmitTimeoutMaxMs, int outstandingMax) {
    /**
     * Checks that the limits are positive and the cap is not below the first timeout.
     *
     * @param retransmitTimeoutMs    first wait for a result, above 0
     * @param retransmitTimeoutMaxMs cap of the doubling timeout, at least {@code retransmitTimeoutMs}
     * @param outstandingMax         most operations in flight at once, above 0
     * @throws IllegalArgumentException if a limit is out of range; the message names it
     */
    public ClientConfig {
        if (retransmitTimeoutMs <= 0) {
            throw new IllegalArgumentException("retransmitTimeoutMs must be > 0, got " + retransmitTimeoutMs);
        }
        if (retransmitTimeoutMaxMs < retransmitTimeoutMs) {
            throw new IllegalArgumentException("retransmitTimeoutMaxMs (" + retransmitTimeoutMaxMs
                    + ") must be >= retransmitTimeoutMs (" + retransmitTimeoutMs + ")");
        }
        if (outstandingMax <= 0) {
            throw new IllegalArgumentException("outstandingMax must be > 0, got " + outstandingMax);
        }
    }

    /**
     * The limits a client uses unless configured otherwise.
     *
     * @return a 2 s first timeout doubling up to 16 s, and 64 operations in flight
     */
    public static ClientConfig defaults() {
        return new ClientConfig(2_000, 16_000, 64);
    }
}
