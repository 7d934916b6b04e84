package io.phalanx.sim.check;

import java.util.List;

/**
 * One replica's record of a run.
 *
 * @param replicaId  the replica
 * @param correct    false for replicas the simulator made Byzantine; checkers only constrain
 *                   correct replicas (crashed-but-honest replicas count as correct)
 * @param decisions  instances it decided, in the order it decided them
 * @param executions requests it executed, in the order it executed them
 */
public record ReplicaHistory(int replicaId, boolean correct, List<Decided> decisions, List<Executed> executions) {
    public ReplicaHistory {
        decisions = List.copyOf(decisions);
        executions = List.copyOf(executions);
    }
}
