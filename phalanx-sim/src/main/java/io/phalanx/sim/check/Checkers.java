package io.phalanx.sim.check;

import io.phalanx.core.service.Service;
import io.phalanx.kv.KeyValueService;

import java.util.List;
import java.util.function.Supplier;

/**
 * The set of checkers every simulator run must pass, in one place so that no run forgets
 * one: agreement, total order, exactly-once integrity, linearizability, checkpoint agreement and
 * vote-once (no correct replica votes for two values in one epoch, across restarts). A run of the
 * ordering service ({@link #ordering}) has no linearizability checker, which reads key-value
 * operations and results; the chain checkers judge what that service produces instead.
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
     * The safety checkers of a run of the ordering service: agreement, total order, exactly-once
     * integrity (none of them reads the service's operations), checkpoint agreement, vote-once, and
     * the chain checkers: chain prefix, chain links and each envelope ordered once.
     *
     * @return the checkers
     */
    public static List<Checker> ordering() {
        return List.of(new AgreementChecker(), new TotalOrderChecker(), new ExactlyOnceChecker(),
                new CheckpointChecker(), new VoteOnceChecker(), new ChainPrefixChecker(), new ChainLinkChecker(),
                new EnvelopeOnceChecker());
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
