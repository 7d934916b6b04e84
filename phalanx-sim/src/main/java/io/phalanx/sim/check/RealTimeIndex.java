package io.phalanx.sim.check;

import io.phalanx.core.message.RequestId;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Answers the two real-time questions linearizability asks of the log, each in O(log n):
 * which operation that completed before time t sits latest in the log (everything invoked at t
 * must come after it), and which operation invoked after time t sits earliest (everything that
 * completed at t must come before it).
 */
final class RealTimeIndex {
    /** A client operation whose ordered request is at {@code position} in the reference log. */
    record Placed(ClientOperation op, RequestId id, int position) {
    }

    private static final ToLongFunction<Placed> COMPLETED_AT = p -> p.op().completedAtMs();
    private static final ToLongFunction<Placed> INVOKED_AT = p -> p.op().invokedAtMs();

    /** Completed operations by completion time, and the latest-in-log among each prefix. */
    private final List<Placed> byCompletion = new ArrayList<>();
    private final Placed[] latestInPrefix;
    /** All operations by invocation time, and the earliest-in-log among each suffix. */
    private final List<Placed> byInvocation;
    private final Placed[] earliestInSuffix;

    RealTimeIndex(List<Placed> placed) {
        for (Placed p : placed) {
            if (p.op().completed()) {
                byCompletion.add(p);
            }
        }
        byCompletion.sort(Comparator.comparingLong(COMPLETED_AT));
        latestInPrefix = new Placed[byCompletion.size()];
        for (int i = 0; i < latestInPrefix.length; i++) {
            Placed p = byCompletion.get(i);
            latestInPrefix[i] = i == 0 || p.position() > latestInPrefix[i - 1].position() ? p : latestInPrefix[i - 1];
        }
        byInvocation = new ArrayList<>(placed);
        byInvocation.sort(Comparator.comparingLong(INVOKED_AT));
        earliestInSuffix = new Placed[byInvocation.size()];
        for (int i = earliestInSuffix.length - 1; i >= 0; i--) {
            Placed p = byInvocation.get(i);
            boolean last = i == earliestInSuffix.length - 1;
            earliestInSuffix[i] = last || p.position() < earliestInSuffix[i + 1].position() ? p : earliestInSuffix[i + 1];
        }
    }

    /** Among operations completed strictly before {@code timeMs}, the one latest in the log; or null. */
    Placed latestCompletedBefore(long timeMs) {
        int count = countAtOrBelow(byCompletion, COMPLETED_AT, timeMs, false);
        return count == 0 ? null : latestInPrefix[count - 1];
    }

    /** Among operations invoked strictly after {@code timeMs}, the one earliest in the log; or null. */
    Placed earliestInvokedAfter(long timeMs) {
        int first = countAtOrBelow(byInvocation, INVOKED_AT, timeMs, true);
        return first == byInvocation.size() ? null : earliestInSuffix[first];
    }

    /**
     * How many entries of {@code sorted} have a time below {@code timeMs} (or equal to it, if
     * {@code inclusive}): the index of the first entry past that bound.
     */
    private static int countAtOrBelow(List<Placed> sorted, ToLongFunction<Placed> time, long timeMs, boolean inclusive) {
        int low = 0;
        int high = sorted.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            long t = time.applyAsLong(sorted.get(middle));
            if (t < timeMs || (inclusive && t == timeMs)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
