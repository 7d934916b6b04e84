package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The value a consensus instance decides: requests in execution order plus the leader's
 * timestamp and nonce. Services read time and randomness only from here, so every replica
 * computes the same result; followers refuse a batch whose timestamp goes backwards or strays
 * too far from their own clock. The regency the leader proposed it in is part of the value, so
 * every replica agrees on it: a view change decided in the batch keeps that regency's leader
 * ({@code view.ViewChange#applyTo(View, int)}), whichever regency a replica was in when it learned
 * the decision.
 *
 * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch: the
 *                    leader's clock, but never below the previous batch's timestamp
 * @param nonce       the leader's random value, the service's only source of randomness
 * @param regency     the regency whose leader proposed the batch (followers refuse a fresh
 *                    proposal that names another)
 * @param requests    the requests, in execution order
 * @param caughtUp    in a batch that holds an administrator's request, the members the leader
 *                    found up and caught up when it proposed it, in increasing order (a view
 *                    change whose quorum they cannot form is refused, by every replica alike:
 *                    {@code view.ViewHistory#apply}); empty in every other batch
 */
public record Batch(long timestampMs, long nonce, int regency, List<Request> requests, List<Integer> caughtUp) {
    /**
     * Copies the lists, so the batch cannot change after it is hashed.
     *
     * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch
     * @param nonce       the leader's random value
     * @param regency     the regency it was proposed in, at least 0
     * @param requests    the requests, in execution order
     * @param caughtUp    the members the leader found up and caught up, for an administrator's request
     */
    public Batch {
        if (regency < 0) {
            throw new IllegalArgumentException("regency must be >= 0, got " + regency);
        }
        requests = List.copyOf(Objects.requireNonNull(requests, "requests"));
        caughtUp = List.copyOf(Objects.requireNonNull(caughtUp, "caughtUp"));
    }

    /**
     * A batch that names no caught-up members.
     *
     * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch
     * @param nonce       the leader's random value
     * @param regency     the regency it was proposed in, at least 0
     * @param requests    the requests, in execution order
     */
    public Batch(long timestampMs, long nonce, int regency, List<Request> requests) {
        this(timestampMs, nonce, regency, requests, List.of());
    }

    /**
     * A batch proposed in regency 0.
     *
     * @param timestampMs the agreed time of the batch in milliseconds since the Unix epoch
     * @param nonce       the leader's random value
     * @param requests    the requests, in execution order
     */
    public Batch(long timestampMs, long nonce, List<Request> requests) {
        this(timestampMs, nonce, 0, requests);
    }

    /**
     * The batch's approximate wire size, used to bound batches without encoding them.
     *
     * @return the requests' approximate sizes plus the timestamp, nonce and regency, in bytes (the
     *         caught-up members, a few bytes per member of a view, are left out: they must never
     *         keep the administrator's request out of a batch it fits in without them)
     */
    public int sizeBytes() {
        int size = 20;
        for (Request r : requests) {
            size += r.sizeBytes();
        }
        return size;
    }
}
