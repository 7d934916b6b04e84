package io.phalanx.sim.check;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;

import java.util.List;

/**
 * A replica decided {@code batch} (with digest {@code digest}) in instance {@code consensusId},
 * on the ACCEPTs of {@code proof}.
 *
 * @param consensusId the instance
 * @param digest      the digest the replica decided
 * @param batch       the batch it executed
 * @param proof       the ACCEPTs that decided it, as the replica holds them; empty where unknown
 */
public record Decided(long consensusId, Digest digest, Batch batch, List<Accept> proof) {
    /**
     * Copies the proof.
     *
     * @param consensusId the instance
     * @param digest      the digest the replica decided
     * @param batch       the batch it executed
     * @param proof       the ACCEPTs that decided it; empty where unknown
     */
    public Decided {
        proof = List.copyOf(proof);
    }

    /**
     * A decision whose proof the checker does not look at.
     *
     * @param consensusId the instance
     * @param digest      the digest the replica decided
     * @param batch       the batch it executed
     */
    public Decided(long consensusId, Digest digest, Batch batch) {
        this(consensusId, digest, batch, List.of());
    }
}
