package io.phalanx.bench.process;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoadPhaseTest {
    @Test
    void aPhaseSurvivesTheCommandLine() {
        LoadPhase phase = new LoadPhase("load-10", 10, 5, 60);
        assertThat(LoadPhase.parse(phase.spec())).isEqualTo(phase);
        assertThat(phase.seconds()).isEqualTo(65);
        assertThat(LoadPhase.outstandingMax(List.of(phase, new LoadPhase("warmup", 50, 60, 0)))).isEqualTo(50);
    }

    @Test
    void malformedPhasesAreRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> LoadPhase.parse("load:10:5")).hasMessageContaining("NAME:OUTSTANDING:WARMUP:DURATION");
        assertThatThrownBy(() -> LoadPhase.parse("load:ten:5:60")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> LoadPhase.parse("../x:10:5:60")).hasMessageContaining("phase name");
        assertThatThrownBy(() -> LoadPhase.parse("load:0:5:60")).hasMessageContaining("outstanding >= 1");
        assertThatThrownBy(() -> LoadPhase.parse("load:1:0:0")).hasMessageContaining("at least one second");
    }
}
