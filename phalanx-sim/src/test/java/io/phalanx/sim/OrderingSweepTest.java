package io.phalanx.sim;

import io.phalanx.sim.ordering.BlockTotals;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ordering service under every simulator fault: seeds over the standard shapes, each run as
 * {@code phalanx sim --service ordering --faults all} builds it, checked for agreement, total
 * order, exactly-once execution, checkpoint agreement, vote-once, view certification, liveness, and
 * the chain checkers (every correct replica's chain a prefix of every other's, hash-linked without
 * gaps, each envelope in one block). The number of seeds comes from the
 * {@code phalanx.sim.orderingSeeds} system property (the parent POM sets it: 72, a few seconds on
 * two cores; {@code -Psoak} raises it to 2,000).
 */
class OrderingSweepTest {
    private static final long FIRST_SEED = 139_000_000;

    @Test
    void aSeedRunsTheSameTwiceBlockForBlock() {
        SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all(), SimService.ORDERING);
        for (long seed = FIRST_SEED; seed < FIRST_SEED + 3; seed++) {
            SimResult first = Simulation.run(plan.configFor(seed));
            SimResult second = Simulation.run(plan.configFor(seed));
            assertThat(second.traceHash()).as("seed %d", seed).isEqualTo(first.traceHash());
            assertThat(second.history().chains()).as("seed %d", seed).isEqualTo(first.history().chains());
            assertThat(BlockTotals.of(first).blocks()).as("seed %d", seed).isPositive();
        }
    }

    @Test
    void aSeedDrawsTheSameRunUnderEitherService() {
        SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all());
        for (long seed = FIRST_SEED; seed < FIRST_SEED + 12; seed++) {
            SimConfig kv = plan.configFor(seed);
            assertThat(plan.withService(SimService.ORDERING).configFor(seed)).isEqualTo(kv.withService(SimService.ORDERING));
            assertThat(kv.service()).isEqualTo(SimService.KV);
        }
    }

    @Test
    void everyOrderingSeedKeepsEveryInvariantAndCutsBlocksEveryWay() {
        int seeds = Integer.getInteger("phalanx.sim.orderingSeeds", 72);
        SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all(), SimService.ORDERING);
        List<SimResult> results = LongStream.range(FIRST_SEED, FIRST_SEED + seeds).parallel()
                .mapToObj(seed -> Simulation.run(plan.configFor(seed))).toList();
        Set<Fault> fired = EnumSet.noneOf(Fault.class);
        List<String> failures = new ArrayList<>();
        BlockTotals blocks = BlockTotals.NONE;
        for (SimResult result : results) {
            fired.addAll(result.firedFaults());
            blocks = blocks.plus(BlockTotals.of(result));
            if (!result.passed()) {
                failures.add("seed " + result.config().seed() + ": " + result.violations().stream().limit(5).toList()
                        + "\n  replay: ./phalanx sim --service ordering --seed " + result.config().seed()
                        + " --seeds 1 --faults all --trace");
            }
        }
        assertThat(failures).as("seeds with violations").isEmpty();
        assertThat(blocks.byCount()).as("blocks cut full, of " + blocks).isPositive();
        assertThat(blocks.byTimeout()).as("blocks cut by a time-to-cut request, of " + blocks).isPositive();
        assertThat(blocks.blocks() - blocks.byCount() - blocks.byTimeout() - blocks.config())
                .as("blocks cut by bytes, of " + blocks).isPositive();
        assertThat(blocks.config()).as("config blocks (limits changed mid-run), of " + blocks).isPositive();
        assertThat(fired).as("faults that fired").contains(Fault.RESTART, Fault.RECONFIG, Fault.BYZANTINE_CLIENT,
                Fault.EQUIVOCATION, Fault.TWINS, Fault.PARTITION, Fault.LEADER_ISOLATION);
    }
}
