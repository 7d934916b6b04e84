package io.phalanx.sim;

import io.phalanx.sim.check.History;
import io.phalanx.sim.check.Violation;

import java.util.List;
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
 */
public record SimResult(SimConfig config, List<Violation> violations, long operationsCompleted, long operationsInvoked,
                        long simulatedMs, long decided, long messages, long traceHash, List<String> trace,
                        History history, Set<Fault> firedFaults, int leaderChanges) {
    public SimResult {
        firedFaults = Set.copyOf(firedFaults);
    }

    public boolean passed() {
        return violations.isEmpty();
    }
}
