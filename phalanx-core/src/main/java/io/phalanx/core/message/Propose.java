package io.phalanx.core.message;

import java.util.Objects;

/**
 * The leader's proposal of a batch for consensus instance {@code consensusId}.
 *
 * @param sender      the leader
 * @param consensusId the instance the batch is proposed for
 * @param epoch       the leader's regency
 * @param batch       the proposed value
 */
public record Propose(int sender, long consensusId, int epoch, Batch batch) implements ConsensusMessage {
    /**
     * Checks that the batch is present.
     *
     * @param sender      the leader
     * @param consensusId the instance the batch is proposed for
     * @param epoch       the leader's regency
     * @param batch       the proposed value
     */
    public Propose {
        Objects.requireNonNull(batch, "batch");
    }
}
