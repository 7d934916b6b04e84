package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * A decided consensus instance with its proof: the quorum of signed ACCEPTs that decided it.
 * Carrying the proof makes a decision self-contained, so it can be logged, sent to a lagging
 * replica (which checks the proof instead of trusting the sender), or become a ledger block.
 */
public record Decision(long consensusId, int epoch, Batch batch, Digest digest, List<Accept> proof) {
    public Decision {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(digest, "digest");
        proof = List.copyOf(proof);
    }
}
