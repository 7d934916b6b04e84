package io.phalanx.core.message;

import java.util.List;

/**
 * Consecutive decided instances with their proofs, sent to a replica that is behind; it checks
 * each proof before it executes anything.
 */
public record DecisionPush(int sender, List<Decision> decisions) implements ReplicaMessage {
    public DecisionPush {
        decisions = List.copyOf(decisions);
    }
}
