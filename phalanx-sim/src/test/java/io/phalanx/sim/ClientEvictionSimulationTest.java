package io.phalanx.sim;

import io.phalanx.core.replica.Counter;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs whose replicas keep fewer client sessions than there are clients
 * ({@link SimConfig#withClientsMax}): sessions are evicted all the time, including those of
 * clients with calls in flight, whose requests are then refused (or skipped, if already in a
 * proposal) and who begin new sessions. Every checker must still pass: nothing runs twice
 * (exactly-once), the replicas agree on what ran (agreement, total order, and the same
 * checkpoints), clients' results match the log (linearizability; a refused call may or may not
 * have run), and every call ends, with a result or refused, within the liveness bound.
 */
class ClientEvictionSimulationTest {
    private static final Mode[] MODES = {Mode.BFT, Mode.CFT, Mode.BFT, Mode.CFT, Mode.BFT, Mode.CFT};
    private static final int[] SIZES = {4, 3, 7, 5, 10, 7};

    private static SimResult run(SimConfig config) {
        SimResult result = new Simulation(config, false).run();
        assertThat(result.violations()).as("seed %d, %d clients, clientsMax %d", config.seed(), config.clients(),
                config.clientsMax()).isEmpty();
        return result;
    }

    @Test
    void calmRunsWithThreeClientsAndRoomForTwoPass() {
        for (long seed = 1; seed <= 4; seed++) {
            Mode mode = seed % 2 == 0 ? Mode.BFT : Mode.CFT;
            SimConfig config = SimConfig.calm(seed, mode, mode == Mode.BFT ? 4 : 3).withClientsMax(2);
            assertThat(config.evictsSessions()).isTrue();
            SimResult result = run(config);
            assertThat(result.counter(Counter.CLIENT_SESSION_EVICTED)).as("seed %d", seed).isPositive();
            assertThat(result.operationsCompleted()).as("most calls still get a result").isGreaterThan(
                    result.operationsInvoked() / 2);
        }
    }

    @Test
    void randomizedRunsWithEveryFaultAndFewerSessionsThanClientsPass() {
        List<Long> evicting = new ArrayList<>();
        long evictions = 0;
        for (long seed = 1; seed <= 60; seed++) {
            int shape = (int) (seed % MODES.length);
            SimConfig base = SimConfig.randomized(seed, MODES[shape], SIZES[shape]);
            SimConfig config = base.withClientsMax(1 + (int) (seed % base.clients()));
            if (!config.evictsSessions()) {
                continue;
            }
            evicting.add(seed);
            evictions += run(config).counter(Counter.CLIENT_SESSION_EVICTED);
        }
        assertThat(evicting).hasSizeGreaterThan(30);
        assertThat(evictions).isGreaterThan(100);
    }

    @Test
    void withRoomForEveryClientNothingIsEvictedAndTheRunIsUnchanged() {
        SimConfig config = SimConfig.randomized(7, Mode.BFT, 4);
        SimResult bounded = run(config.withClientsMax(config.clients() + 1));
        SimResult unbounded = run(config);
        assertThat(bounded.counter(Counter.CLIENT_SESSION_EVICTED)).isZero();
        assertThat(bounded.traceHash()).isEqualTo(unbounded.traceHash());
        assertThat(bounded.messages()).isEqualTo(unbounded.messages());
    }
}
