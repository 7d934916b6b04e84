package io.phalanx.core.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a replica voted for in one instance, over all the epochs it voted in: the value it
 * accepted last (a quorum of WRITEs for it reached the replica in {@code acceptedEpoch}) and,
 * for every value it WROTE, the highest epoch it wrote it in. A replica reports this for its
 * first undecided instance in the STOPDATA it signs; the choice rule counts these reports
 * instead of checking transferable certificates, which is what lets WRITEs go unsigned.
 *
 * @param consensusId   the instance the votes were cast in
 * @param acceptedEpoch the epoch of the last ACCEPT, -1 if the replica accepted nothing
 * @param accepted      the value accepted in {@code acceptedEpoch}, null if none
 * @param writes        one entry per value written, at most one per digest
 */
public record VoteHistory(long consensusId, int acceptedEpoch, Batch accepted, List<Written> writes) {
    /**
     * The replica wrote {@code digest} in {@code epoch} (and in no later one).
     *
     * @param epoch  the highest epoch the digest was written in
     * @param digest the digest of the written value
     */
    public record Written(int epoch, Digest digest) {
        /**
         * Checks that the digest is present.
         *
         * @param epoch  the highest epoch the digest was written in
         * @param digest the digest of the written value
         */
        public Written {
            Objects.requireNonNull(digest, "digest");
        }
    }

    /**
     * Copies the writes and checks that {@code acceptedEpoch} and {@code accepted} agree.
     *
     * @param consensusId   the instance the votes were cast in
     * @param acceptedEpoch the epoch of the last ACCEPT, -1 if none
     * @param accepted      the value accepted in {@code acceptedEpoch}, null exactly when it is -1
     * @param writes        one entry per value written, at most one per digest
     * @throws IllegalArgumentException if an accepted value comes without an epoch or the reverse
     */
    public VoteHistory {
        writes = List.copyOf(writes);
        if ((acceptedEpoch < 0) != (accepted == null) || acceptedEpoch < -1) {
            throw new IllegalArgumentException("accepted epoch " + acceptedEpoch + " and value disagree");
        }
    }

    /**
     * No vote yet in {@code consensusId}.
     *
     * @param consensusId the instance
     * @return a history without accepts or writes
     */
    public static VoteHistory none(long consensusId) {
        return new VoteHistory(consensusId, -1, null, List.of());
    }

    /**
     * This history after writing {@code digest} in {@code epoch}.
     *
     * @param epoch  the epoch of the WRITE
     * @param digest the digest written
     * @return a copy whose entry for {@code digest} is {@code epoch}
     */
    public VoteHistory withWrite(int epoch, Digest digest) {
        List<Written> updated = new ArrayList<>(writes.size() + 1);
        for (Written w : writes) {
            if (!w.digest().equals(digest)) {
                updated.add(w);
            }
        }
        updated.add(new Written(epoch, digest));
        return new VoteHistory(consensusId, acceptedEpoch, accepted, updated);
    }

    /**
     * This history after accepting {@code value} in {@code epoch}.
     *
     * @param epoch the epoch of the ACCEPT
     * @param value the accepted batch
     * @return a copy whose last accept is {@code value} in {@code epoch}
     */
    public VoteHistory withAccept(int epoch, Batch value) {
        return new VoteHistory(consensusId, epoch, value, writes);
    }

    /**
     * The highest epoch in which {@code digest} was written.
     *
     * @param digest the digest to look up
     * @return that epoch, -1 if the replica never wrote {@code digest}
     */
    public int writtenEpoch(Digest digest) {
        for (Written w : writes) {
            if (w.digest().equals(digest)) {
                return w.epoch();
            }
        }
        return -1;
    }
}
