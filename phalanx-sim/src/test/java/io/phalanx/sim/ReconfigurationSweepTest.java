package io.phalanx.sim;

import io.phalanx.core.replica.Counter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI sweep of view changes: seeds over every shape and every fault, each with one to three
 * administrator's changes during the workload ({@link SimAdmin}), checked by every checker
 * including view certification (every decision certified by a quorum of the view of its instance).
 * At least 200 of them install a change: the others drew as many faulty replicas as f allows,
 * which leaves the administrator no change within the fault model.
 */
class ReconfigurationSweepTest {
    private static final long FIRST_SEED = 1_000_001;
    private static final int SEEDS = 720;

    @Test
    void seedsThatChangeTheViewKeepEveryInvariant() throws Exception {
        SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<String> failures = new ArrayList<>();
        int reconfigured = 0;
        int leaderRemoved = 0;
        try {
            List<Future<SimResult>> results = new ArrayList<>();
            for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
                SimConfig drawn = plan.configFor(seed);
                SimConfig config = drawn.reconfigurations() > 0 ? drawn : drawn.withReconfigurations(1 + (int) (seed % 3));
                results.add(pool.submit(() -> Simulation.run(config)));
            }
            for (Future<SimResult> future : results) {
                SimResult result = future.get();
                reconfigured += result.counter(Counter.VIEW_CHANGE_DECIDED) > 0 ? 1 : 0;
                leaderRemoved += result.counter(Counter.LEADER_HANDED_OVER) > 0 ? 1 : 0;
                if (!result.passed()) {
                    SimConfig c = result.config();
                    failures.add("seed " + c.seed() + " (" + c.mode() + " n=" + c.replicas() + ", "
                            + c.reconfigurations() + " changes): " + result.violations().stream().limit(3).toList());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("seeds with violations").isEmpty();
        assertThat(reconfigured).as("seeds that installed a view change").isGreaterThanOrEqualTo(200);
        assertThat(leaderRemoved).as("seeds whose change removed the leader").isPositive();
    }
}
