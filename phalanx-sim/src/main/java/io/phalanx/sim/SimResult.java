package io.phalanx.sim;

import io.phalanx.sim.check.History;
import io.phalanx.sim.check.Violation;

import io.phalanx.core.replica.Counter;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of one seed.
 *
 * @param config              what ran
 * @param violations          every broken invariant (empty means the seed passed)
 * @param operationsCompleted operations clients completed
 * @param operationsInvoked   operations clients invoked
 * @param simulatedMs         simulated time when the run ended
 * @param decided             highest consensus id decided by any correct replica, plus one
 * @param messages            messages sent
 * @param traceHash           rolling hash of every event: equal seeds give equal hashes
 * @param trace               the trace (its tail, or everything if requested)
 * @param history             the run's history as the checkers saw it
 * @param firedFaults         the faults that really happened (planned ones may not get a chance)
 * @param leaderChanges       the highest regency any correct replica installed
 * @param counters            the correct replicas' protocol counters, summed
 * @param undecodable         messages correct replicas could not decode (and dropped)
 */
public record SimResult(SimConfig config, List<Violation> violations, long operationsCompleted, long operationsInvoked,
                        long simulatedMs, long decided, long messages, long traceHash, List<String> trace,
                        History history, Set<Fault> firedFaults, int leaderChanges,
                        Map<Counter, Long> counters, long undecodable) {
    /**
     * Copies the fired faults and the counters.
     *
     * @param config              what ran
     * @param violations          every broken invariant
     * @param operationsCompleted operations clients completed
     * @param operationsInvoked   operations clients invoked
     * @param simulatedMs         simulated time when the run ended
     * @param decided             highest consensus id decided by any correct replica, plus one
     * @param messages            messages sent
     * @param traceHash           rolling hash of every event
     * @param trace               the trace
     * @param history             the run's history
     * @param firedFaults         the faults that really happened
     * @param leaderChanges       the highest regency any correct replica installed
     * @param counters            the correct replicas' protocol counters, summed
     * @param undecodable         messages correct replicas could not decode
     */
    public SimResult {
        firedFaults = Set.copyOf(firedFaults);
        counters = Map.copyOf(counters);
    }

    /**
     * A counter summed over the correct replicas.
     *
     * @param counter the counter
     * @return its sum, 0 if no replica counted it
     */
    public long counter(Counter counter) {
        return counters.getOrDefault(counter, 0L);
    }

    /**
     * Whether the seed passed.
     *
     * @return true if no invariant broke
     */
    public boolean passed() {
        return violations.isEmpty();
    }
}
