package io.phalanx.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI sweep: many seeds over BFT n=4,7,10 and CFT n=3,5,7, each with its own random mix of
 * every fault the simulator knows (within f faulty replicas), each checked for agreement, total
 * order, exactly-once execution, linearizability and liveness after GST. The number of seeds comes from
 * the {@code phalanx.sim.seeds} system property (the parent POM sets it; {@code -Psoak} raises it).
 * A failure names every failing seed and how to replay it.
 */
class SimulationSweepTest {
    private static final long FIRST_SEED = 1;

    @Test
    void everySeedKeepsEveryInvariant() throws Exception {
        int seeds = Integer.getInteger("phalanx.sim.seeds", 600);
        SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all());
        java.util.Set<Fault> fired = java.util.EnumSet.noneOf(Fault.class);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<String> failures = new ArrayList<>();
        long operations = 0;
        try {
            List<Future<SimResult>> results = new ArrayList<>();
            for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds; seed++) {
                SimConfig config = plan.configFor(seed);
                results.add(pool.submit(() -> Simulation.run(config)));
            }
            for (Future<SimResult> future : results) {
                SimResult result = future.get();
                operations += result.operationsCompleted();
                fired.addAll(result.firedFaults());
                if (!result.passed()) {
                    failures.add(report(result));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(failures).as("seeds with violations").isEmpty();
        assertThat(operations).as("operations completed over all seeds").isGreaterThan(seeds * 10L);
        if (seeds >= 300) {
            assertThat(fired).as("faults that really happened over the sweep").isEqualTo(Fault.all());
        }
    }

    private static String report(SimResult result) {
        SimConfig c = result.config();
        StringBuilder text = new StringBuilder("seed " + c.seed() + " (" + c.mode() + " n=" + c.replicas() + "):");
        result.violations().stream().limit(5).forEach(v -> text.append("\n  ").append(v));
        text.append("\n  replay: ./phalanx sim --seed ").append(c.seed()).append(" --mode ")
                .append(c.mode().name().toLowerCase()).append(" --replicas ").append(c.replicas()).append(" --faults all --trace");
        return text.toString();
    }
}
