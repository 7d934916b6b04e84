package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The value a consensus instance decides: requests in execution order plus the leader's
 * timestamp and nonce. Services read time and randomness only from here, so every replica
 * computes the same result; followers refuse a batch whose timestamp goes backwards or strays
 * too far from their own clock.
 */
public record Batch(long timestampMs, long nonce, List<Request> requests) {
    public Batch {
        requests = List.copyOf(Objects.requireNonNull(requests, "requests"));
    }

    /** Sum of the requests' approximate sizes. */
    public int sizeBytes() {
        int size = 16;
        for (Request r : requests) {
            size += r.sizeBytes();
        }
        return size;
    }
}
