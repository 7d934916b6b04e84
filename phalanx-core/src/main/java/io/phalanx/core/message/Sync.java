package io.phalanx.core.message;

import java.util.List;

/**
 * The new leader's start of its regency: the quorum of STOPDATAs it collected and the value it
 * chose for the first open instance from them (null when no certificate binds it and the leader
 * proposes freely). Followers verify the STOPDATAs and re-run the choice before they vote.
 */
public record Sync(int sender, int regency, List<StopData> proofs, Batch chosen) implements ReplicaMessage {
    public Sync {
        proofs = List.copyOf(proofs);
    }
}
