package io.phalanx.core.message;

import java.util.Objects;

/** The leader's proposal of a batch for consensus instance {@code consensusId}. */
public record Propose(int sender, long consensusId, int epoch, Batch batch) implements ConsensusMessage {
    public Propose {
        Objects.requireNonNull(batch, "batch");
    }
}
