package io.phalanx.core.message;

import java.util.List;
import java.util.Objects;

/**
 * A replica's answer to a {@link StateQuery}, or its offer when a peer asks for decisions it no
 * longer keeps: how far it got, and the latest checkpoint it can serve.
 *
 * @param sender            the reporting replica
 * @param lastDecided       highest consensus id the sender decided
 * @param regency           the regency the sender installed
 * @param stopTarget        the highest regency the sender installed or asked for
 * @param highestVoted      highest consensus id the sender voted in or decided
 * @param checkpointId      consensus id of the sender's latest checkpoint, -1 if it has none
 * @param checkpointBytes   the checkpoint's encoded size
 * @param chunkDigests      SHA-256 of each chunk of the encoded checkpoint, in order; the
 *                          checkpoint's digest is computed over them, so f+1 matching reports
 *                          vouch for every chunk
 * @param checkpointProof   the signed ACCEPTs that decided instance {@code checkpointId}: a
 *                          replica that installs the checkpoint needs them to prove its last
 *                          decision in a STOPDATA
 * @param heardYourVotes    whether the sender ever received a vote or proposal from the replica
 *                          it reports to: if none did, a restarted replica never voted before
 * @param recovering        whether the sender is recovering (restarted without its votes, and
 *                          not voting yet): in CFT, replicas that recover together learn from
 *                          this that none of them can settle their lost votes without the others
 */
public record StateReport(int sender, long lastDecided, int regency, int stopTarget, long highestVoted, long checkpointId,
                          long checkpointBytes, List<Digest> chunkDigests, List<Accept> checkpointProof,
                          boolean heardYourVotes, boolean recovering)
        implements ReplicaMessage {
    /**
     * Copies the lists and checks that the checkpoint size is not negative.
     *
     * @param sender          the reporting replica
     * @param lastDecided     highest consensus id the sender decided
     * @param regency         the regency the sender installed
     * @param stopTarget      the highest regency the sender installed or asked for
     * @param highestVoted    highest consensus id the sender voted in or decided
     * @param checkpointId    consensus id of the sender's latest checkpoint, -1 if it has none
     * @param checkpointBytes the checkpoint's encoded size, at least 0
     * @param chunkDigests    SHA-256 of each chunk of the encoded checkpoint, in order
     * @param checkpointProof the signed ACCEPTs that decided instance {@code checkpointId}
     * @param heardYourVotes  whether the sender ever received a vote or proposal from the replica it reports to
     * @param recovering      whether the sender is recovering
     * @throws IllegalArgumentException if {@code checkpointBytes} is negative
     */
    public StateReport {
        chunkDigests = List.copyOf(Objects.requireNonNull(chunkDigests, "chunkDigests"));
        checkpointProof = List.copyOf(Objects.requireNonNull(checkpointProof, "checkpointProof"));
        if (checkpointBytes < 0) {
            throw new IllegalArgumentException("checkpointBytes must be >= 0, got " + checkpointBytes);
        }
    }

    /**
     * Whether the sender offers a checkpoint.
     *
     * @return true if {@code checkpointId} names one (is at least 0)
     */
    public boolean hasCheckpoint() {
        return checkpointId >= 0;
    }
}
