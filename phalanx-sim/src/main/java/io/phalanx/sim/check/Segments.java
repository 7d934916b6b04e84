package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.List;

/**
 * A replica's execution cut where state transfer made it jump: each segment runs from instance 0
 * or from the one after a restored checkpoint, through consecutive instances. Every incarnation
 * of a restarted replica is a history of its own, so it starts a segment from 0 (or jumps at
 * once). Segments of correct replicas must agree wherever they cover the same instances; the
 * decided log the checkers judge clients against is stitched from them.
 */
final class Segments {
    /** Marks the stitched log's {@link ReplicaHistory#incarnation()}: it is no one replica's. */
    static final int STITCHED = -1;

    private Segments() {
    }

    /** One stretch of a history: its decisions and executions from {@code firstConsensusId} on. */
    record Segment(ReplicaHistory history, long firstConsensusId, int decisionFrom, int decisionTo,
                   int executionFrom, int executionTo) {
        List<Decided> decisions() {
            return history.decisions().subList(decisionFrom, decisionTo);
        }

        List<Executed> executions() {
            return history.executions().subList(executionFrom, executionTo);
        }

        /** The last instance it decided, or one before its first if none. */
        long lastConsensusId() {
            return decisionTo > decisionFrom ? history.decisions().get(decisionTo - 1).consensusId() : firstConsensusId - 1;
        }
    }

    /** {@code history}'s segments in order: one from instance 0, then one after each restore. */
    static List<Segment> of(ReplicaHistory history) {
        List<Segment> segments = new ArrayList<>();
        long first = 0;
        int decisionFrom = 0;
        int executionFrom = 0;
        for (Restored restored : history.restores()) {
            segments.add(new Segment(history, first, decisionFrom, restored.decisionIndex(), executionFrom,
                    restored.executionIndex()));
            first = restored.consensusId() + 1;
            decisionFrom = restored.decisionIndex();
            executionFrom = restored.executionIndex();
        }
        segments.add(new Segment(history, first, decisionFrom, history.decisions().size(), executionFrom,
                history.executions().size()));
        return segments;
    }

    /**
     * The log every correct replica's execution is judged against. Without state transfer it is
     * the longest execution of a correct replica, as it always was. With it, no replica may hold
     * the whole log, so it is stitched: from instance 0 on, each next stretch comes from the
     * correct segment that covers the next instance and reaches furthest (the total-order checker
     * verifies that every other segment agrees with it).
     */
    static ReplicaHistory referenceLog(History history) {
        List<ReplicaHistory> correct = Histories.correctReplicas(history);
        if (correct.stream().allMatch(h -> h.restores().isEmpty())) {
            return Histories.longestExecution(history);
        }
        List<Segment> all = new ArrayList<>();
        correct.forEach(h -> all.addAll(of(h)));
        List<Decided> decisions = new ArrayList<>();
        List<Executed> executions = new ArrayList<>();
        long next = 0;
        int firstReplica = -1;
        while (true) {
            Segment best = null;
            for (Segment segment : all) {
                if (segment.firstConsensusId() <= next && segment.lastConsensusId() >= next
                        && (best == null || segment.lastConsensusId() > best.lastConsensusId())) {
                    best = segment;
                }
            }
            if (best == null) {
                break;
            }
            firstReplica = firstReplica < 0 ? best.history().replicaId() : firstReplica;
            for (Decided decided : best.decisions()) {
                if (decided.consensusId() >= next) {
                    decisions.add(decided);
                }
            }
            for (Executed executed : best.executions()) {
                if (executed.consensusId() >= next) {
                    executions.add(executed);
                }
            }
            next = best.lastConsensusId() + 1;
        }
        return new ReplicaHistory(firstReplica, STITCHED, true, decisions, executions, List.of(), List.of(), List.of());
    }
}
