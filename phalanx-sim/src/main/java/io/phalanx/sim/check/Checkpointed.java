package io.phalanx.sim.check;

import io.phalanx.core.message.Digest;

/**
 * A replica held a checkpoint of the state after instance {@code consensusId} with digest
 * {@code digest} ({@code CheckpointImage.digest()}): one its execution took, or one it installed
 * by state transfer.
 */
public record Checkpointed(long consensusId, Digest digest, boolean installed) {
}
