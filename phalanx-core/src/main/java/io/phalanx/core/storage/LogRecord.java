package io.phalanx.core.storage;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;

import java.util.List;
import java.util.Objects;

/** One record of a replica's log: a decision, or a change of its hard state. */
public sealed interface LogRecord permits LogRecord.Decided, LogRecord.DecidedAsAccepted, LogRecord.Voted {

    /**
     * A decided instance with its proof.
     *
     * @param decision the decision
     */
    record Decided(Decision decision) implements LogRecord {
        /**
         * Checks that the decision is present.
         *
         * @param decision the decision
         */
        public Decided {
            Objects.requireNonNull(decision, "decision");
        }
    }

    /**
     * A decided instance whose value is the batch this replica accepted for it, in a vote history
     * an earlier record of the log holds: the batch is written once, with the vote, and the
     * decision names it by digest. (A batch of 50 requests of 1 KiB is 50 KiB, which every
     * replica would otherwise write twice per instance.)
     *
     * @param consensusId the decided instance
     * @param epoch       the epoch whose ACCEPTs decided it
     * @param digest      the decided batch's digest, which the accepted one in the log must have
     * @param proof       the quorum of signed ACCEPTs for {@code digest}
     */
    record DecidedAsAccepted(long consensusId, int epoch, Digest digest, List<Accept> proof) implements LogRecord {
        /**
         * Checks that the digest is present and copies the proof.
         *
         * @param consensusId the decided instance
         * @param epoch       the epoch whose ACCEPTs decided it
         * @param digest      the decided batch's digest
         * @param proof       the quorum of signed ACCEPTs for {@code digest}
         */
        public DecidedAsAccepted {
            Objects.requireNonNull(digest, "digest");
            proof = List.copyOf(proof);
        }
    }

    /**
     * The hard state after a step that changed it, as a change of the previous record's: the
     * regency and stop target in full, the SYNC only if it changed ({@code syncChanged}; then
     * {@code sync} is the new one, null for none), and the vote histories that changed.
     *
     * @param regency     the installed regency
     * @param stopTarget  the highest regency installed or asked for
     * @param syncChanged whether the SYNC changed in this step
     * @param sync        the new SYNC if it changed, null if it changed to none or did not change
     * @param votes       the vote histories that changed
     */
    record Voted(int regency, int stopTarget, boolean syncChanged, Sync sync, List<VoteHistory> votes)
            implements LogRecord {
        /**
         * Copies the vote list and checks that an unchanged SYNC is absent.
         *
         * @param regency     the installed regency
         * @param stopTarget  the highest regency installed or asked for
         * @param syncChanged whether the SYNC changed in this step
         * @param sync        the new SYNC if it changed, null if it changed to none or did not change
         * @param votes       the vote histories that changed
         * @throws IllegalArgumentException if {@code sync} is given though it did not change
         */
        public Voted {
            votes = List.copyOf(votes);
            if (!syncChanged && sync != null) {
                throw new IllegalArgumentException("an unchanged SYNC is not repeated");
            }
        }
    }
}
