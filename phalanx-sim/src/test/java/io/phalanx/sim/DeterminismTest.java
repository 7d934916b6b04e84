package io.phalanx.sim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator's promise: a seed is a complete description of a run. */
class DeterminismTest {
    private final SeedPlan plan = new SeedPlan(SeedPlan.STANDARD, Fault.all());

    @Test
    void theSameSeedGivesTheSameTraceHash() {
        for (long seed = 1; seed <= 12; seed++) {
            SimResult first = Simulation.run(plan.configFor(seed));
            SimResult second = Simulation.run(plan.configFor(seed));
            assertThat(second.traceHash()).as("seed %d", seed).isEqualTo(first.traceHash());
            assertThat(second.messages()).isEqualTo(first.messages());
            assertThat(second.simulatedMs()).isEqualTo(first.simulatedMs());
        }
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        SimResult a = Simulation.run(plan.configFor(1));
        SimResult b = Simulation.run(plan.configFor(7)); // same shape, different seed
        assertThat(a.config().mode()).isEqualTo(b.config().mode());
        assertThat(a.traceHash()).isNotEqualTo(b.traceHash());
    }

    @Test
    void aFullTraceReplaysTheSameRunAsASweep() {
        SimConfig config = plan.configFor(3);
        SimResult swept = Simulation.run(config);
        SimResult traced = new Simulation(config, true).run();
        assertThat(traced.traceHash()).isEqualTo(swept.traceHash());
        assertThat(traced.trace()).isNotEmpty();
        assertThat(traced.trace().get(0)).contains("INVOKES");
    }
}
