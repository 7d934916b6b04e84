package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * Evidence that {@code batch} may have been decided in instance {@code consensusId}: in BFT mode
 * a quorum of signed WRITEs for its digest in {@code epoch}; in CFT mode the reporting replica's
 * own ACCEPT of it in {@code epoch} ({@code writes} is empty, as crash-faulty replicas do not
 * lie). A new leader must re-propose the value of the highest-epoch certificate it is shown.
 */
public record WriteCertificate(long consensusId, int epoch, Batch batch, List<Write> writes) {
    public WriteCertificate {
        Objects.requireNonNull(batch, "batch");
        writes = List.copyOf(writes);
    }
}
