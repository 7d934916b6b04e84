package io.phalanx.sim.check;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.service.Service;
import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.sim.check.RealTimeIndex.Placed;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Linearizability of what clients were told, judged against the decided log.
 *
 * <p>Total order makes the longest execution sequence among correct replicas the one
 * linearization every correct replica agrees with (the total-order checker verifies the others
 * are its prefixes); when state transfer made replicas skip stretches of it, the log is stitched
 * from their segments ({@link Segments#referenceLog}). This checker replays it through a fresh reference service, then checks:
 * <ol>
 *   <li>every ordered result a client accepted belongs to a request in the log ("lost write" /
 *       "phantom read" otherwise) and equals the replayed result ("wrong result");</li>
 *   <li>real time: if operation A completed before ordered operation B was invoked, A sits
 *       before B in the log ("real-time order inversion");</li>
 *   <li>every read-only GET answered without ordering returned the key's value after some log
 *       position k with L &lt;= k &lt;= U, where L is the latest log position of an operation
 *       that completed before the read was invoked (-1 if none) and U is one before the
 *       earliest log position of an operation invoked after the read completed (the end of the
 *       log if none) — "stale read", "read from the future" or "read of a value never held";</li>
 *   <li>each correct replica's recorded results equal the reference model's, which catches
 *       a replica that executed on a corrupted state even when no client noticed.</li>
 * </ol>
 *
 * <p>Limitations. Unordered reads are not ordered among themselves: two unordered reads of the
 * same key in real-time order are each checked against the log as above, but the second may
 * see an older state than the first (a new-old inversion) without being reported. Reads are
 * KV-specific: operations are decoded with {@link KvOperation#decode}, so the reference service
 * must speak the {@link KvOperation}/{@link KvResult} encoding. The reference replay starts from
 * an empty service, as simulated replicas do.
 */
public final class LinearizabilityChecker implements Checker {
    /** How many violations of one kind are listed before the rest are only counted. */
    public static final int REPORTS_PER_KIND_MAX = 20;
    /** How many of the acceptable values a stale-read report lists. */
    private static final int LISTED_VALUES_MAX = 8;

    private final Supplier<? extends Service> referenceFactory;

    /**
     * @param referenceFactory makes a fresh, empty reference service on every {@link #check};
     *                         it must speak the {@link KvOperation}/{@link KvResult} encoding
     */
    public LinearizabilityChecker(Supplier<? extends Service> referenceFactory) {
        this.referenceFactory = Objects.requireNonNull(referenceFactory, "referenceFactory");
    }

    /**
     * A checker whose reference model is a default {@link KeyValueService}.
     *
     * @return the checker
     */
    public static LinearizabilityChecker forKeyValue() {
        return new LinearizabilityChecker(KeyValueService::new);
    }

    @Override
    public String name() {
        return "linearizability";
    }

    @Override
    public List<Violation> check(History history) {
        ReferenceLog log = ReferenceLog.replay(Segments.referenceLog(history), referenceFactory.get());
        ViolationList violations = new ViolationList(name(), REPORTS_PER_KIND_MAX);
        checkReplicaResults(log, violations);
        checkOrderedResults(history, log, violations);
        List<Placed> placed = place(history, log);
        RealTimeIndex index = new RealTimeIndex(placed);
        checkRealTimeOrder(placed, index, violations);
        checkUnorderedReads(history, log, index, violations);
        return violations.toList();
    }

    private static void checkReplicaResults(ReferenceLog log, ViolationList violations) {
        for (int position = 0; position < log.size(); position++) {
            Executed executed = log.entry(position);
            if (!log.expectedResult(position).equals(executed.result())) {
                violations.add("result differs from reference model", log.source().name()
                        + " executed " + Histories.describe(executed) + " at log position " + position
                        + " but the reference model gives " + Histories.describeResult(log.expectedResult(position)));
            }
        }
    }

    private static void checkOrderedResults(History history, ReferenceLog log, ViolationList violations) {
        for (ClientOperation op : history.operations()) {
            if (!op.completed() || op.completedAs() == null || op.completedAs().kind() != RequestKind.ORDERED) {
                continue;
            }
            int position = log.positionOf(op.completedAs());
            if (position < 0) {
                violations.add(isRead(op.operation()) ? "phantom read" : "lost write", "client " + op.clientId()
                        + " accepted " + Histories.describeResult(op.result()) + " for "
                        + Histories.describe(op, op.completedAs()) + " but no correct replica executed it"
                        + logSummary(log));
            } else if (!log.expectedResult(position).equals(op.result())) {
                violations.add("wrong result", Histories.describe(op, op.completedAs()) + " is at log position "
                        + position + " (consensusId " + log.entry(position).consensusId() + "): client accepted "
                        + Histories.describeResult(op.result()) + " but executing the log gives "
                        + Histories.describeResult(log.expectedResult(position)));
            }
        }
    }

    private static String logSummary(ReferenceLog log) {
        return log.source() == null ? " (no correct replica executed anything)"
                : " (longest log: " + log.source().name() + ", " + log.size() + " entries)";
    }

    /**
     * The operations whose effect is a log position: those completed through ordering, and
     * pending ones whose ordered request was executed anyway. An operation completed by an
     * unordered read is left out even if an ordered retry of it was executed too: its effect
     * is the read it returned, which the read check judges.
     */
    private static List<Placed> place(History history, ReferenceLog log) {
        List<Placed> placed = new ArrayList<>();
        for (ClientOperation op : history.operations()) {
            RequestId id = orderedId(op, log);
            int position = id == null ? -1 : log.positionOf(id);
            if (position >= 0) {
                placed.add(new Placed(op, id, position));
            }
        }
        return placed;
    }

    private static RequestId orderedId(ClientOperation op, ReferenceLog log) {
        if (op.completed()) {
            boolean ordered = op.completedAs() != null && op.completedAs().kind() == RequestKind.ORDERED;
            return ordered ? op.completedAs() : null;
        }
        for (RequestId id : op.sent()) {
            if (id.kind() == RequestKind.ORDERED && log.positionOf(id) >= 0) {
                return id;
            }
        }
        return null;
    }

    private static void checkRealTimeOrder(List<Placed> placed, RealTimeIndex index, ViolationList violations) {
        for (Placed later : placed) {
            Placed earlier = index.latestCompletedBefore(later.op().invokedAtMs());
            if (earlier != null && earlier.position() >= later.position()) {
                violations.add("real-time order inversion", Histories.describe(earlier.op(), earlier.id())
                        + " completed before " + Histories.describe(later.op(), later.id()) + " was invoked, but the log has "
                        + earlier.id() + " at position " + earlier.position() + ", not before " + later.id()
                        + " at position " + later.position());
            }
        }
    }

    private static void checkUnorderedReads(History history, ReferenceLog log, RealTimeIndex index,
                                            ViolationList violations) {
        for (ClientOperation op : history.operations()) {
            if (op.completed() && op.completedAs() != null && op.completedAs().kind() == RequestKind.UNORDERED) {
                checkUnorderedRead(op, log, index, violations);
            }
        }
    }

    private static void checkUnorderedRead(ClientOperation op, ReferenceLog log, RealTimeIndex index,
                                           ViolationList violations) {
        Optional<KvOperation.Get> get = asGet(op.operation());
        if (get.isEmpty()) {
            if (!isError(op.result())) {
                violations.add("unordered write", Histories.describe(op, op.completedAs())
                        + " is not a read-only GET, yet was answered without ordering with "
                        + Histories.describeResult(op.result()));
            }
            return;
        }
        Optional<Optional<String>> observed = readValue(op.result());
        if (observed.isEmpty()) {
            violations.add("malformed read result", Histories.describe(op, op.completedAs()) + " returned "
                    + Histories.describeResult(op.result()) + ", not a value");
            return;
        }
        ReadWindow window = ReadWindow.of(op, log, index);
        if (!log.versions(get.get().key()).heldSomewhere(observed.get(), window.lowest(), window.highest())) {
            reportBadRead(op, get.get().key(), observed.get(), window, log, violations);
        }
    }

    private static Optional<KvOperation.Get> asGet(Bytes operation) {
        try {
            KvOperation op = KvOperation.decode(operation);
            return op instanceof KvOperation.Get get ? Optional.of(get) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean isRead(Bytes operation) {
        return asGet(operation).isPresent();
    }

    private static boolean isError(Bytes result) {
        try {
            return result != null && KvResult.decode(result) instanceof KvResult.Error;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The value a GET returned (itself optional: the key may be absent); empty if not a value. */
    private static Optional<Optional<String>> readValue(Bytes result) {
        try {
            KvResult decoded = result == null ? null : KvResult.decode(result);
            return decoded instanceof KvResult.Value value ? Optional.of(value.value()) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The log positions an unordered read may have observed: after {@code lowest} (the latest
     * operation completed before it was invoked) and before {@code highest + 1} (the earliest
     * operation invoked after it completed). Either bounding operation may be null.
     */
    private record ReadWindow(int lowest, int highest, Placed lowerBound, Placed upperBound) {
        static ReadWindow of(ClientOperation read, ReferenceLog log, RealTimeIndex index) {
            Placed lower = index.latestCompletedBefore(read.invokedAtMs());
            Placed upper = index.earliestInvokedAfter(read.completedAtMs());
            return new ReadWindow(lower == null ? -1 : lower.position(),
                    upper == null ? log.size() - 1 : upper.position() - 1, lower, upper);
        }

        String describe() {
            String from = lowerBound == null ? "from the initial state"
                    : "from position " + lowest + " (it must see " + Histories.describe(lowerBound.op(), lowerBound.id()) + ")";
            String to = upperBound == null ? "to the end of the log (position " + highest + ")"
                    : "to position " + highest + " (it must not see " + Histories.describe(upperBound.op(), upperBound.id())
                    + " at position " + upperBound.position() + ")";
            return from + " " + to;
        }
    }

    private static void reportBadRead(ClientOperation op, String key, Optional<String> observed, ReadWindow window,
                                      ReferenceLog log, ViolationList violations) {
        KeyVersions versions = log.versions(key);
        String kind = versions.heldSomewhere(observed, -1, window.lowest() - 1) ? "stale read"
                : versions.heldSomewhere(observed, window.highest() + 1, log.size() - 1) ? "read from the future"
                : "read of a value never held";
        Set<Optional<String>> allowed = versions.valuesBetween(window.lowest(), window.highest(), LISTED_VALUES_MAX);
        violations.add(kind, Histories.describe(op, op.completedAs()) + " returned " + show(observed) + " but " + key
                + " held only " + showAll(allowed) + " over log positions " + window.describe());
    }

    private static String show(Optional<String> value) {
        return value.map(v -> "'" + v + "'").orElse("absent");
    }

    private static String showAll(Set<Optional<String>> values) {
        List<String> shown = new ArrayList<>();
        values.forEach(v -> shown.add(show(v)));
        return values.isEmpty() ? "nothing (the window is empty)" : shown.toString();
    }
}
