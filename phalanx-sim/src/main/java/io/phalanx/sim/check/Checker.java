package io.phalanx.sim.check;

import java.util.List;

/** One safety property checked over a finished run. Checkers never modify the history. */
public interface Checker {
    /** A short name used in reports, e.g. "agreement". */
    String name();

    /** Every violation found; empty if the property holds. */
    List<Violation> check(History history);
}
