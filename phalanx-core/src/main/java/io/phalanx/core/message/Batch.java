package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The value a consensus instance decides: requests in execution order plus the leader's
 * timestamp and nonce. Services read time and randomness only from here, so every replica
 * computes the same result; followers refuse a batch whose timestamp goes backwards or strays
 * too far from their own clock.
 *
 * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch: the
 *                    leader's clock, but never below the previous batch's timestamp
 * @param nonce       the leader's random value, the service's only source of randomness
 * @param requests    the requests, in execution order
 */
public record Batch(long timestampMs, long nonce, List<Request> requests) {
    /**
     * Copies the request list, so the batch cannot change after it is hashed.
     *
     * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch
     * @param nonce       the leader's random value
     * @param requests    the requests, in execution order
     */
    public Batch {
        requests = List.copyOf(Objects.requireNonNull(requests, "requests"));
    }

    /**
     * The batch's approximate wire size, used to bound batches without encoding them.
     *
     * @return the requests' approximate sizes plus the timestamp and nonce, in bytes
     */
    public int sizeBytes() {
        int size = 16;
        for (Request r : requests) {
            size += r.sizeBytes();
        }
        return size;
    }
}
