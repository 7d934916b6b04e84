package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * The new leader's start of its regency: the quorum of STOPDATAs it collected and the values the
 * choice rule bound from them, one per open instance that has one, in ascending consensus id
 * (instances without one are free: the leader proposes for them). Followers verify the STOPDATAs
 * and re-run the choice before they vote.
 *
 * @param sender  the new leader
 * @param regency the regency it starts
 * @param proofs  the quorum of signed STOPDATAs the choice is made from
 * @param chosen  the bound values, ascending by consensus id
 */
public record Sync(int sender, int regency, List<StopData> proofs, List<Bound> chosen) implements ReplicaMessage {
    /**
     * The value {@code value} the choice rule bound for instance {@code consensusId}.
     *
     * @param consensusId the open instance
     * @param value       the value the new leader must propose for it
     */
    public record Bound(long consensusId, Batch value) {
        /**
         * Checks that the value is present.
         *
         * @param consensusId the open instance
         * @param value       the value the new leader must propose for it
         */
        public Bound {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Copies the lists.
     *
     * @param sender  the new leader
     * @param regency the regency it starts
     * @param proofs  the quorum of signed STOPDATAs the choice is made from
     * @param chosen  the bound values, ascending by consensus id
     */
    public Sync {
        proofs = List.copyOf(proofs);
        chosen = List.copyOf(chosen);
    }
}
