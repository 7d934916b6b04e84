package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;

import java.util.List;

/**
 * A decided consensus instance with its proof: the quorum of ACCEPTs that decided it. Carrying
 * the proof makes a decision self-contained, so it can be logged, sent to a lagging replica, or
 * become a ledger block without asking anyone else.
 */
public record Decision(long consensusId, int epoch, Batch batch, Digest digest, List<Accept> proof) {
    public Decision {
        proof = List.copyOf(proof);
    }
}
