package io.phalanx.sim.check;

import java.util.List;

/**
 * One replica's record of a run, or of one incarnation of it: a replica that restarts without
 * its memory begins a new history (the next incarnation) under the same id.
 *
 * @param replicaId   the replica
 * @param incarnation 0 for the replica as the run started it, then one more per restart (-1
 *                    for the log the checkers stitch from several, see {@code Segments})
 * @param correct     false for replicas the simulator made Byzantine; checkers only constrain
 *                    correct replicas (crashed-but-honest and restarted replicas count as correct)
 * @param decisions   instances it decided, in the order it decided them
 * @param executions  requests it executed, in the order it executed them
 * @param restores    checkpoints its execution jumped to (state transfer), in order
 * @param checkpoints checkpoints it took or installed, in order
 * @param votes       every distinct PROPOSE, WRITE and ACCEPT it sent, in order
 */
public record ReplicaHistory(int replicaId, int incarnation, boolean correct, List<Decided> decisions,
                             List<Executed> executions, List<Restored> restores, List<Checkpointed> checkpoints,
                             List<Vote> votes) {
    /**
     * Copies the lists.
     *
     * @param replicaId   the replica
     * @param incarnation 0 at the start, one more per restart, -1 for a stitched log
     * @param correct     false for replicas the simulator made Byzantine
     * @param decisions   instances it decided, in order
     * @param executions  requests it executed, in order
     * @param restores    checkpoints its execution jumped to, in order
     * @param checkpoints checkpoints it took or installed, in order
     * @param votes       every distinct PROPOSE, WRITE and ACCEPT it sent, in order
     */
    public ReplicaHistory {
        decisions = List.copyOf(decisions);
        executions = List.copyOf(executions);
        restores = List.copyOf(restores);
        checkpoints = List.copyOf(checkpoints);
        votes = List.copyOf(votes);
    }

    /**
     * A replica's only incarnation, without state transfer, checkpoints or recorded votes.
     *
     * @param replicaId  the replica
     * @param correct    false for a replica the simulator made Byzantine
     * @param decisions  instances it decided, in order
     * @param executions requests it executed, in order
     */
    public ReplicaHistory(int replicaId, boolean correct, List<Decided> decisions, List<Executed> executions) {
        this(replicaId, 0, correct, decisions, executions, List.of(), List.of(), List.of());
    }

    /**
     * How reports name this history.
     *
     * @return "replica 2", or "replica 2 (incarnation 1)" after a restart; a stitched log says so
     */
    public String name() {
        if (incarnation < 0) {
            return "the decided log (stitched across state transfers, from replica " + replicaId + ")";
        }
        return "replica " + replicaId + (incarnation == 0 ? "" : " (incarnation " + incarnation + ")");
    }
}
