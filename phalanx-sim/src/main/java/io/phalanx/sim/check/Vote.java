package io.phalanx.sim.check;

import io.phalanx.core.message.Digest;

/**
 * A replica said {@code kind} for value {@code digest} in epoch {@code epoch} of instance
 * {@code consensusId}: it proposed it (as leader), wrote it or accepted it.
 */
public record Vote(Kind kind, long consensusId, int epoch, Digest digest) {
    /** The three messages by which a replica commits to a value in one epoch. */
    public enum Kind { PROPOSE, WRITE, ACCEPT }
}
