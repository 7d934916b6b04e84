package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Write;

/**
 * The state of one consensus instance at one replica in the current epoch: the proposal (once
 * seen and validated), this replica's own messages, and the WRITE and ACCEPT rounds
 * ({@link Votes}: one vote per sender, ACCEPT signatures checked lazily). A leader change
 * discards it (votes of an old epoch never count in a new one); what must survive, the
 * replica's vote history for the instance, lives in {@link ReplicaState}.
 */
final class Instance {
    final long consensusId;
    final int epoch;
    /** The value of this instance in this epoch (validated or certified); null until known. */
    Batch batch;
    Digest digest;
    /** A proposal that arrived before this instance could be opened. */
    Propose bufferedProposal;
    /** What this replica said in this instance (null until said), kept to retransmit over lossy links. */
    Propose ownPropose;
    Write ownWrite;
    Accept ownAccept;
    /**
     * The persist sequence of the step that recorded {@link #ownAccept} in the hard state: once it
     * is durable, a crash can no longer take this replica's ACCEPT out of the decision's quorum.
     */
    long ownAcceptPersistSequence;
    final Votes<Write> writes = new Votes<>(Write::sender, Write::batchDigest);
    final Votes<Accept> accepts = new Votes<>(Accept::sender, Accept::batchDigest);
    /** When a quorum of ACCEPTs for the value was first in (signatures unchecked); -1 before. */
    long acceptQuorumSinceMs = -1;

    Instance(long consensusId, int epoch) {
        this.consensusId = consensusId;
        this.epoch = epoch;
    }

    boolean hasValue() {
        return batch != null;
    }
}
