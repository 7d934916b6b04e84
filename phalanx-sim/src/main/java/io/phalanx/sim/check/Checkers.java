package io.phalanx.sim.check;

import io.phalanx.core.service.Service;
import io.phalanx.kv.KeyValueService;

import java.util.List;
import java.util.function.Supplier;

/**
 * The set of checkers every simulator run must pass, in one place so that no run forgets
 * one: agreement, total order, exactly-once integrity, linearizability, checkpoint agreement and
 * vote-once (no correct replica votes for two values in one epoch, across restarts).
 */
public final class Checkers {
    private Checkers() {
    }

    /**
     * All the safety checkers; linearizability replays the log through {@code referenceFactory}'s services.
     *
     * @param referenceFactory makes a fresh reference service speaking the key-value encoding
     * @return the checkers, in the order listed in the class comment
     */
    public static List<Checker> standard(Supplier<? extends Service> referenceFactory) {
        return List.of(new AgreementChecker(), new TotalOrderChecker(), new ExactlyOnceChecker(),
                new LinearizabilityChecker(referenceFactory), new CheckpointChecker(), new VoteOnceChecker());
    }

    /**
     * All the safety checkers, with a default {@link KeyValueService} as the reference model.
     *
     * @return the checkers, in the order listed in the class comment
     */
    public static List<Checker> standard() {
        return standard(KeyValueService::new);
    }

    /**
     * Runs every checker over {@code history}.
     *
     * @param checkers the checkers to run
     * @param history  the finished run
     * @return every violation found, checker by checker; empty if all properties hold
     */
    public static List<Violation> checkAll(List<Checker> checkers, History history) {
        return checkers.stream().flatMap(c -> c.check(history).stream()).toList();
    }
}
