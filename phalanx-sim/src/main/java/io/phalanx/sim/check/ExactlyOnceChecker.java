package io.phalanx.sim.check;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.RequestId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Integrity: a correct replica executes a request at most once, and only a request a client
 * really sent, with the operation the client put in it.
 *
 * <p>"Really sent" means the request id appears in some {@link ClientOperation#sent()}; the
 * history lists only correct clients' operations, so this checker assumes the simulator's
 * clients are correct (a Byzantine client's requests would be reported as forged). A forged or
 * altered request is reported once, naming every correct replica that executed it. Byzantine
 * replicas are ignored.
 *
 * <p>"At most once" holds per incarnation of a replica (a restarted replica begins again from
 * nothing, or from a checkpoint, and re-executes nothing it restored), and over the decided log
 * stitched across state transfers ({@link Segments#referenceLog}): a request executed before a
 * checkpoint must not run again after a replica restored it.
 */
public final class ExactlyOnceChecker implements Checker {
    /** Where a request was first seen executed with a given problem, and by whom. */
    private record Offence(Executed first, int firstReplica, TreeSet<Integer> replicas) {
    }

    @Override
    public String name() {
        return "exactly-once";
    }

    @Override
    public List<Violation> check(History history) {
        Map<RequestId, Bytes> sent = sentOperations(history);
        List<Violation> violations = new ArrayList<>();
        Map<RequestId, Offence> forged = new LinkedHashMap<>();
        Map<RequestId, Offence> altered = new LinkedHashMap<>();
        ReplicaHistory reference = Segments.referenceLog(history);
        if (reference != null && reference.incarnation() == Segments.STITCHED) {
            checkDuplicates(reference, violations); // a request run before a checkpoint and again after it
        }
        for (ReplicaHistory replica : Histories.correctReplicas(history)) {
            checkDuplicates(replica, violations);
            for (Executed executed : replica.executions()) {
                if (history.byzantineClients().contains(executed.requestId().clientId())) {
                    continue;
                }
                Bytes operation = sent.get(executed.requestId());
                if (operation == null) {
                    record(forged, replica, executed);
                } else if (!operation.equals(executed.operation())) {
                    record(altered, replica, executed);
                }
            }
        }
        forged.values().forEach(o -> violations.add(forgedViolation(o)));
        altered.values().forEach(o -> violations.add(alteredViolation(o, sent.get(o.first().requestId()))));
        return violations;
    }

    private static Map<RequestId, Bytes> sentOperations(History history) {
        Map<RequestId, Bytes> sent = new HashMap<>();
        for (ClientOperation op : history.operations()) {
            for (RequestId id : op.sent()) {
                sent.put(id, op.operation());
            }
        }
        return sent;
    }

    private void checkDuplicates(ReplicaHistory replica, List<Violation> violations) {
        Map<RequestId, Integer> firstPosition = new HashMap<>();
        List<Executed> executions = replica.executions();
        for (int position = 0; position < executions.size(); position++) {
            Executed executed = executions.get(position);
            Integer earlier = firstPosition.putIfAbsent(executed.requestId(), position);
            if (earlier != null) {
                violations.add(new Violation(name(), replica.name() + " executed "
                        + executed.requestId() + " more than once: at position " + earlier + " (consensusId "
                        + executions.get(earlier).consensusId() + ") and again at position " + position
                        + " (consensusId " + executed.consensusId() + ")"));
            }
        }
    }

    private static void record(Map<RequestId, Offence> offences, ReplicaHistory replica, Executed executed) {
        offences.computeIfAbsent(executed.requestId(),
                id -> new Offence(executed, replica.replicaId(), new TreeSet<>())).replicas().add(replica.replicaId());
    }

    private Violation forgedViolation(Offence offence) {
        return new Violation(name(), "forged request: replicas " + offence.replicas() + " executed "
                + Histories.describe(offence.first()) + " (first seen at replica " + offence.firstReplica()
                + ") but no client ever sent " + offence.first().requestId());
    }

    private Violation alteredViolation(Offence offence, Bytes sentOperation) {
        return new Violation(name(), "altered request: replicas " + offence.replicas() + " executed "
                + offence.first().requestId() + " as " + Histories.describeOperation(offence.first().operation())
                + " in consensusId " + offence.first().consensusId() + " but client " + offence.first().requestId().clientId()
                + " sent it as " + Histories.describeOperation(sentOperation));
    }
}
