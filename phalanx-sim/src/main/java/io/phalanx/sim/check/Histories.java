package io.phalanx.sim.check;

import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Queries and formatting shared by the checkers, kept here so that every report describes
 * replicas, batches and client operations the same way.
 */
final class Histories {
    /** How many request ids a batch description lists before eliding the rest. */
    private static final int LISTED_REQUESTS_MAX = 8;

    private Histories() {
    }

    /** The replicas the invariants constrain: those the simulator did not make Byzantine. */
    static List<ReplicaHistory> correctReplicas(History history) {
        List<ReplicaHistory> correct = new ArrayList<>();
        for (ReplicaHistory replica : history.replicas()) {
            if (replica.correct()) {
                correct.add(replica);
            }
        }
        return correct;
    }

    /**
     * The correct replica that executed the most requests (the lowest id among equals, so the
     * choice is deterministic); null if there are no correct replicas.
     */
    static ReplicaHistory longestExecution(History history) {
        ReplicaHistory longest = null;
        for (ReplicaHistory replica : correctReplicas(history)) {
            if (longest == null || longerThan(replica, longest)) {
                longest = replica;
            }
        }
        return longest;
    }

    private static boolean longerThan(ReplicaHistory a, ReplicaHistory b) {
        int sizeA = a.executions().size();
        int sizeB = b.executions().size();
        return sizeA > sizeB || (sizeA == sizeB && a.replicaId() < b.replicaId());
    }

    /** "[c1#1, c2#4]" (elided after a few), or "(no batch recorded)". */
    static String describe(Batch batch) {
        if (batch == null) {
            return "(no batch recorded)";
        }
        StringJoiner ids = new StringJoiner(", ", "[", "]");
        List<Request> requests = batch.requests();
        for (int i = 0; i < Math.min(requests.size(), LISTED_REQUESTS_MAX); i++) {
            ids.add(requests.get(i).id().toString());
        }
        if (requests.size() > LISTED_REQUESTS_MAX) {
            ids.add("... " + (requests.size() - LISTED_REQUESTS_MAX) + " more");
        }
        return ids.toString();
    }

    /** "PUT(k1, '3')" for a key-value operation, the raw bytes for anything else. */
    static String describeOperation(Bytes operation) {
        if (operation == null) {
            return "(no operation)";
        }
        try {
            return KvOperation.decode(operation).toString();
        } catch (IllegalArgumentException e) {
            return operation.toString();
        }
    }

    /** "'3'" or "counter 4" for a key-value result, the raw bytes for anything else. */
    static String describeResult(Bytes result) {
        if (result == null) {
            return "(no result)";
        }
        try {
            return KvResult.decode(result).toString();
        } catch (IllegalArgumentException e) {
            return result.toString();
        }
    }

    /** "c1#3 PUT(k1, '3') (invoked at 100ms, completed at 140ms)". */
    static String describe(ClientOperation op, RequestId id) {
        String completed = op.completed() ? ", completed at " + op.completedAtMs() + "ms" : ", never completed";
        return id + " " + describeOperation(op.operation()) + " (invoked at " + op.invokedAtMs() + "ms" + completed + ")";
    }

    /** "c1#3 PUT(k1, '3') -> absent in consensusId 2". */
    static String describe(Executed executed) {
        return executed.requestId() + " " + describeOperation(executed.operation()) + " -> "
                + describeResult(executed.result()) + " in consensusId " + executed.consensusId();
    }
}
