package io.phalanx.sim.check;

import java.util.List;

/** One safety property checked over a finished run. Checkers never modify the history. */
public interface Checker {
    /**
     * A short name used in reports, e.g. "agreement".
     *
     * @return the property's name
     */
    String name();

    /**
     * Checks the property over a finished run.
     *
     * @param history what the replicas and clients did
     * @return every violation found; empty if the property holds
     */
    List<Violation> check(History history);
}
