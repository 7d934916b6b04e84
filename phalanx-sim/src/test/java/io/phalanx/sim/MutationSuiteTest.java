package io.phalanx.sim;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mutation suite: each {@link PlantedBug}, planted alone in an otherwise normal simulator,
 * must be found by a sweep within a thousand seeds (the sweep stops at the first violation). The
 * fault mix is narrowed to the mode and named faults that reach the bug, so the suite stays fast;
 * the simulator, its checkers and its fault model are the ones every sweep uses. A bug this
 * suite stops finding is a gap in the simulator, to close there, never by weakening the bug.
 */
class MutationSuiteTest {
    private static final long FIRST_SEED = 1;
    private static final int SEEDS_MAX = 1_000;

    /** Where a planted bug is looked for: one mode, these faults, and the violations that count. */
    private record Hunt(Mode mode, Set<Fault> faults, boolean safetyOnly) {
    }

    private static Hunt huntFor(PlantedBug bug) {
        return switch (bug) {
            // f+1 = a majority in CFT, so the client bug exists in BFT mode only.
            case CLIENT_ACCEPTS_F_PLUS_ONE_REPLIES -> new Hunt(Mode.BFT,
                    EnumSet.of(Fault.CRASH, Fault.DROP, Fault.PARTITION, Fault.SPIKE, Fault.LEADER_ISOLATION), true);
            // Deciding still takes a quorum of ACCEPTs, so this bug costs liveness only: correct
            // replicas that accepted different values of an equivocating leader leave the next
            // leader's evidence unsound forever.
            case ACCEPT_AFTER_F_PLUS_ONE_WRITES -> new Hunt(Mode.BFT,
                    EnumSet.of(Fault.EQUIVOCATION, Fault.STALE_VOTES, Fault.HIDDEN_DECISION), false);
            case CHOICE_IGNORES_WRITE_CERTIFICATES -> new Hunt(Mode.BFT,
                    EnumSet.of(Fault.HIDDEN_DECISION, Fault.SLOW_WITNESSES), true);
            case CFT_CHOICE_BINDS_LOWEST_EPOCH -> new Hunt(Mode.CFT,
                    EnumSet.of(Fault.HIDDEN_DECISION, Fault.STALE_VOTES, Fault.SLOW_WITNESSES), true);
            case REQUEST_EXECUTED_TWICE -> new Hunt(Mode.CFT,
                    EnumSet.of(Fault.HIDDEN_DECISION, Fault.STALE_VOTES, Fault.SLOW_WITNESSES), true);
            case CHECKPOINT_DIGEST_NOT_COMPARED -> new Hunt(Mode.BFT,
                    EnumSet.of(Fault.RESTART, Fault.LYING_CHECKPOINT, Fault.DROP), true);
        };
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(PlantedBug.class)
    void sweepFindsPlantedBug(PlantedBug bug) {
        Hunt hunt = huntFor(bug);
        SeedPlan plan = SeedPlan.of(hunt.mode(), null, hunt.faults());
        long started = System.nanoTime();
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS_MAX; seed++) {
            SimResult result = Simulation.run(plan.configFor(seed).withPlantedBugs(Set.of(bug)));
            List<String> found = result.violations().stream()
                    .filter(v -> !hunt.safetyOnly() || !v.checker().equals("liveness"))
                    .map(Object::toString).toList();
            if (!found.isEmpty()) {
                System.out.printf("%s: found at seed %d (%s n=%d, %d seeds, %d ms): %s%n", bug, seed, hunt.mode(),
                        plan.shapeOf(seed).replicas(), seed - FIRST_SEED + 1, (System.nanoTime() - started) / 1_000_000,
                        found.get(0));
                return;
            }
        }
        assertThat(false).as("%s found by no seed in %d..%d with %s %s", bug, FIRST_SEED, FIRST_SEED + SEEDS_MAX - 1,
                hunt.mode(), hunt.faults()).isTrue();
    }
}
