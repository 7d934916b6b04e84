package io.phalanx.sim.check;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;

/** A replica decided {@code batch} (with digest {@code digest}) in instance {@code consensusId}. */
public record Decided(long consensusId, Digest digest, Batch batch) {
}
