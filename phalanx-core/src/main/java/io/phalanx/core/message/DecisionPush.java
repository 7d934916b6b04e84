package io.phalanx.core.message;

import java.util.List;

/**
 * Consecutive decided instances with their proofs, sent to a replica that is behind; it checks
 * each proof before it executes anything.
 *
 * @param sender    the replica sending the decisions
 * @param decisions consecutive decisions, ascending by consensus id
 */
public record DecisionPush(int sender, List<Decision> decisions) implements ReplicaMessage {
    /**
     * Copies the decision list.
     *
     * @param sender    the replica sending the decisions
     * @param decisions consecutive decisions, ascending by consensus id
     */
    public DecisionPush {
        decisions = List.copyOf(decisions);
    }
}
