package io.phalanx.sim;

import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Hand-picked runs whose traces show that the simulated faults really happen. */
class SimulationScenarioTest {

    private static SimConfig config(long seed, Mode mode, int n, int crashes, int duplicatePercent, int spikePercent) {
        return SimConfig.calm(seed, mode, n).withCrashes(crashes).withJitter(duplicatePercent, spikePercent);
    }

    @Test
    void fCrashesDoNotStopTheService() {
        SimResult result = new Simulation(config(11, Mode.BFT, 7, 2, 0, 0), true).run();
        assertThat(result.violations()).isEmpty();
        assertThat(result.trace()).filteredOn(line -> line.contains("CRASHES")).hasSize(2);
        assertThat(result.operationsCompleted()).isEqualTo(300);
    }

    @Test
    void cftToleratesACrashedMinority() {
        SimResult result = new Simulation(config(12, Mode.CFT, 5, 2, 0, 0), true).run();
        assertThat(result.violations()).isEmpty();
        assertThat(result.trace()).filteredOn(line -> line.contains("CRASHES")).hasSize(2);
        assertThat(result.trace()).noneMatch(line -> line.contains("WRITE")); // CFT skips the WRITE round
    }

    @Test
    void duplicatedAndDelayedMessagesAreHarmless() {
        SimResult result = Simulation.run(config(13, Mode.BFT, 4, 0, 30, 30));
        assertThat(result.violations()).isEmpty();
        assertThat(result.operationsCompleted()).isEqualTo(300);
    }

    @Test
    void readOnlyQueriesAreAnsweredWithoutOrdering() {
        SimResult result = new Simulation(config(14, Mode.BFT, 4, 0, 0, 0), true).run();
        assertThat(result.trace()).anyMatch(line -> line.contains("(read-only)"));
        assertThat(result.history().operations()).anyMatch(op -> op.completed()
                && op.completedAs().kind() == io.phalanx.core.message.RequestKind.UNORDERED);
    }

    @Test
    void everyCorrectReplicaExecutesTheSameLog() {
        SimResult result = Simulation.run(config(15, Mode.BFT, 10, 0, 5, 5));
        var histories = result.history().replicas();
        for (var replica : histories) {
            assertThat(replica.executions()).isEqualTo(histories.get(0).executions().subList(0, replica.executions().size()));
        }
        assertThat(histories.get(0).executions()).hasSizeGreaterThan(100);
    }

    @Test
    void decisionsHiddenFromTheNextLeaderStayDecided() {
        // CFT n=3 and BFT n=4 with the three adversarial schedules: replicas decide a target
        // instance and are cut off before they can tell anyone, next leaders sync on the least
        // informative reports, and every replica still decides the same values.
        java.util.Set<Fault> fired = java.util.EnumSet.noneOf(Fault.class);
        for (long seed = 1; seed <= 20; seed++) {
            Mode mode = seed % 2 == 0 ? Mode.BFT : Mode.CFT;
            SimConfig config = SimConfig.calm(seed, mode, mode == Mode.BFT ? 4 : 3)
                    .withAdversaries(Fault.adversarial(), 5_000);
            SimResult result = Simulation.run(config);
            assertThat(result.violations()).as("seed %d", seed).isEmpty();
            assertThat(result.leaderChanges()).as("seed %d", seed).isGreaterThanOrEqualTo(1);
            fired.addAll(result.firedFaults());
        }
        assertThat(fired).containsAll(Fault.adversarial());
    }
}
