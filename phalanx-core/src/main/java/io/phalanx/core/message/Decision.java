package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * A decided consensus instance with its proof: the quorum of signed ACCEPTs that decided it.
 * Carrying the proof makes a decision self-contained, so it can be logged, sent to a lagging
 * replica (which checks the proof instead of trusting the sender), or become a ledger block.
 *
 * @param consensusId the decided instance
 * @param epoch       the epoch whose ACCEPTs decided it
 * @param batch       the decided value
 * @param digest      the batch's digest, the value the ACCEPTs name
 * @param proof       the quorum of signed ACCEPTs for {@code digest}
 */
public record Decision(long consensusId, int epoch, Batch batch, Digest digest, List<Accept> proof) {
    /**
     * Checks that batch and digest are present and copies the proof.
     *
     * @param consensusId the decided instance
     * @param epoch       the epoch whose ACCEPTs decided it
     * @param batch       the decided value
     * @param digest      the batch's digest, the value the ACCEPTs name
     * @param proof       the quorum of signed ACCEPTs for {@code digest}
     */
    public Decision {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(digest, "digest");
        proof = List.copyOf(proof);
    }
}
