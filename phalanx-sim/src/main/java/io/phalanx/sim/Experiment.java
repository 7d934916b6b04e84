package io.phalanx.sim;

import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;

import java.util.Map;
import java.util.function.Function;

/**
 * Deliberate departures from the fault model, for tests that prove the checkers catch what they
 * must: a quorum system for the correct replicas other than the view's (a planted bug), and
 * Byzantine replicas beyond the f that {@link SimConfig} allows. Never used by sweeps.
 *
 * @param quorums        the quorum system correct replicas use
 * @param extraByzantine Byzantine replicas added to the configuration's, without its f check
 */
public record Experiment(Function<View, QuorumSystem> quorums, Map<Integer, Fault> extraByzantine) {
    /** The model as it is. */
    public static final Experiment NONE = new Experiment(View::quorums, Map.of());

    /**
     * Copies the map of extra Byzantine replicas.
     *
     * @param quorums        the quorum system correct replicas use
     * @param extraByzantine Byzantine replicas added to the configuration's
     */
    public Experiment {
        extraByzantine = Map.copyOf(extraByzantine);
    }
}
