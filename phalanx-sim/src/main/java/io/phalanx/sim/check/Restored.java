package io.phalanx.sim.check;

import io.phalanx.core.message.Digest;

/**
 * A replica's execution jumped to a checkpoint it received by state transfer: after the
 * replica's first {@code decisionIndex} decisions and {@code executionIndex} executions, it
 * continued from the state after instance {@code consensusId}, whose checkpoint has digest
 * {@code digest} ({@code CheckpointImage.digest()}).
 */
public record Restored(long consensusId, Digest digest, int decisionIndex, int executionIndex) {
}
