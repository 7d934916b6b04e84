package io.phalanx.sim;

import io.phalanx.core.view.Mode;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault injection has teeth: outside the model — f+1 colluding replicas, or a planted bug —
 * the checkers must fire. These tests expect violations.
 */
class ModelViolationTest {

    /** A planted bug: every quorum one replica too small. */
    private static final class UndersizedQuorums implements QuorumSystem {
        private final QuorumSystem standard;

        UndersizedQuorums(View view) {
            this.standard = view.quorums();
        }

        @Override
        public View view() {
            return standard.view();
        }

        @Override
        public boolean isQuorum(Collection<Integer> replicas) {
            return replicas.stream().distinct().filter(standard.view()::contains).count() >= standard.quorumSize() - 1;
        }

        @Override
        public boolean containsCorrect(Collection<Integer> replicas) {
            return standard.containsCorrect(replicas);
        }

        @Override
        public boolean containsCorrectQuorum(Collection<Integer> replicas) {
            return replicas.stream().distinct().filter(standard.view()::contains).count()
                    >= quorumSize() + standard.view().f();
        }

        @Override
        public int quorumSize() {
            return standard.quorumSize() - 1;
        }

        @Override
        public int correctWitnessSize() {
            return standard.correctWitnessSize();
        }
    }

    @Test
    void fPlusOneCollidingTwinsBreakAgreement() {
        // n=4 tolerates one Byzantine replica; here two identities are twinned, so each side of
        // the network sees a full quorum (two twins plus one correct replica) and decides alone.
        Experiment colluders = new Experiment(View::quorums, Map.of(0, Fault.TWINS, 1, Fault.TWINS));
        boolean agreementBroken = false;
        for (long seed = 1; seed <= 50 && !agreementBroken; seed++) {
            SimResult result = new Simulation(SimConfig.calm(seed, Mode.BFT, 4), false, colluders).run();
            agreementBroken = result.violations().stream().anyMatch(v -> v.checker().equals("agreement"));
        }
        assertThat(agreementBroken).as("agreement violated by f+1 colluders within 50 seeds").isTrue();
    }

    @Test
    void undersizedQuorumIsCaughtWithinAThousandSeeds() {
        Experiment plantedBug = new Experiment(UndersizedQuorums::new, Map.of());
        SeedPlan plan = SeedPlan.of(Mode.BFT, null, Fault.all());
        long caughtAt = -1;
        for (long seed = 1; seed <= 1_000 && caughtAt < 0; seed++) {
            SimResult result = new Simulation(plan.configFor(seed), false, plantedBug).run();
            if (result.violations().stream().anyMatch(v -> !v.checker().equals("liveness"))) {
                caughtAt = seed;
            }
        }
        assertThat(caughtAt).as("first seed with a safety violation").isBetween(1L, 1_000L);
    }
}
