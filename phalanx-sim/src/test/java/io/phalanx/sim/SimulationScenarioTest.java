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
}
