package io.phalanx.sim;

import io.phalanx.core.replica.Counter;
import io.phalanx.core.view.Mode;
import io.phalanx.sim.check.ChainSegment;
import io.phalanx.sim.check.Checkers;
import io.phalanx.sim.check.History;
import io.phalanx.sim.check.Violation;
import org.hyperledger.fabric.protos.common.Block;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ordering service in the simulator through the faults that replace its state: replicas whose
 * disks are wiped or corrupted come back, catch up by state transfer (short decision logs), and
 * go on cutting the chain from the restored checkpoint's next block, block for block as the others.
 */
class OrderingScenarioTest {

    private static SimConfig calm(long seed) {
        Mode mode = seed % 2 == 0 ? Mode.BFT : Mode.CFT;
        return SimConfig.calm(seed, mode, mode == Mode.BFT ? 4 : 3).withService(SimService.ORDERING)
                .withOperationsPerClient(150).withDecisionLog(16, 4);
    }

    @Test
    void replicasWhoseDisksAreWipedOrCorruptedContinueTheChainFromTheCheckpointTheyRestore() {
        for (Fault fault : List.of(Fault.WIPED_DISK, Fault.CORRUPT_RECORD)) {
            int fired = 0;
            int continued = 0;
            for (long seed = 1; seed <= 4; seed++) {
                SimConfig config = calm(seed).withRestarts(new RestartPlan(RestartPlan.Pattern.RANDOM, 1, 2, 0, 1_000)
                        .withDisk(RestartPlan.Disk.SYNC, 100, Set.of(fault)));
                SimResult result = Simulation.run(config);
                assertThat(result.violations()).as("%s seed %d", fault, seed).isEmpty();
                fired += result.firedFaults().contains(fault) ? 1 : 0;
                boolean restoredSegment = result.history().chains().stream()
                        .anyMatch(s -> s.correct() && s.firstNumber() > 0 && !s.blocks().isEmpty());
                continued += restoredSegment && result.counter(Counter.CHECKPOINT_INSTALLED) > 0 ? 1 : 0;
            }
            assertThat(fired).as("seeds where %s fired", fault).isGreaterThanOrEqualTo(2);
            assertThat(continued).as("seeds where a replica cut blocks after a restored checkpoint (%s)", fault)
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aBlockAlteredInARecordedRunIsCaughtByTheChainCheckers() {
        SimResult result = Simulation.run(calm(2));
        History history = result.history();
        ChainSegment victim = history.chains().stream().filter(s -> s.replicaId() == 1 && s.blocks().size() > 2)
                .findFirst().orElseThrow();
        List<Block> altered = new ArrayList<>(victim.blocks());
        Block block = altered.get(1);
        altered.set(1, block.toBuilder().setData(block.getData().toBuilder()
                .addData(block.getData().getData(0))).build()); // an envelope again, the data hash left as it was
        List<ChainSegment> chains = new ArrayList<>(history.chains());
        chains.set(chains.indexOf(victim), new ChainSegment(victim.replicaId(), victim.incarnation(), true,
                victim.channelId(), victim.firstNumber(), altered));
        History tampered = new History(history.replicas(), history.operations(), history.byzantineClients(), chains);
        assertThat(Checkers.checkAll(Checkers.ordering(), history)).isEmpty();
        assertThat(Checkers.checkAll(Checkers.ordering(), tampered)).extracting(Violation::checker)
                .contains("chain-prefix", "chain-links");
    }

    @Test
    void aReplicaThatRestartsFromItsDiskCutsItsBlocksAgainInALaterIncarnation() {
        SimConfig config = calm(2).withRestarts(new RestartPlan(RestartPlan.Pattern.EVERY_REPLICA_IN_TURN, 1, 2, 0, 200)
                .withDisk(RestartPlan.Disk.SYNC, 0, Set.of()));
        SimResult result = Simulation.run(config);
        assertThat(result.violations()).isEmpty();
        assertThat(result.history().chains()).filteredOn(ChainSegment::correct)
                .anySatisfy(s -> assertThat(s.incarnation()).isPositive())
                .allSatisfy(s -> assertThat(s.blocks()).isNotEmpty());
    }
}
