package io.phalanx.core.storage;

import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;

import java.util.List;
import java.util.Objects;

/** One record of a replica's log: a decision, or a change of its hard state. */
public sealed interface LogRecord permits LogRecord.Decided, LogRecord.Voted {

    /** A decided instance with its proof. */
    record Decided(Decision decision) implements LogRecord {
        public Decided {
            Objects.requireNonNull(decision, "decision");
        }
    }

    /**
     * The hard state after a step that changed it, as a change of the previous record's: the
     * regency and stop target in full, the SYNC only if it changed ({@code syncChanged}; then
     * {@code sync} is the new one, null for none), and the vote histories that changed.
     */
    record Voted(int regency, int stopTarget, boolean syncChanged, Sync sync, List<VoteHistory> votes)
            implements LogRecord {
        public Voted {
            votes = List.copyOf(votes);
            if (!syncChanged && sync != null) {
                throw new IllegalArgumentException("an unchanged SYNC is not repeated");
            }
        }
    }
}
