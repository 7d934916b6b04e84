package io.phalanx.sim.check;

import io.phalanx.core.message.Digest;

/**
 * A replica said {@code kind} for value {@code digest} in epoch {@code epoch} of instance
 * {@code consensusId}: it proposed it (as leader), wrote it or accepted it.
 *
 * @param kind        which message it sent
 * @param consensusId the instance
 * @param epoch       the epoch within the instance
 * @param digest      the digest of the value
 */
public record Vote(Kind kind, long consensusId, int epoch, Digest digest) {
    /** The three messages by which a replica commits to a value in one epoch. */
    public enum Kind {
        /** The leader proposed the value. */
        PROPOSE,
        /** The replica wrote the value (first voting round, BFT only). */
        WRITE,
        /** The replica accepted the value (second voting round). */
        ACCEPT
    }
}
