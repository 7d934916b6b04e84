package io.phalanx.bench.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CpuStealTest {

    @Test
    void stealIsTheShareOfAllCpuTimeBetweenTwoReadings(@TempDir Path dir) throws Exception {
        Path stat = dir.resolve("stat");
        CpuSteal steal = new CpuSteal(stat);
        // user nice system idle iowait irq softirq steal guest guest_nice
        Files.writeString(stat, "cpu  100 0 50 800 0 0 0 50 0 0\ncpu0 50 0 25 400 0 0 0 25 0 0\n");
        assertThat(steal.sincePrevious()).isEmpty();
        Files.writeString(stat, "cpu  160 0 70 820 0 0 0 150 30 0\ncpu0 80 0 35 410 0 0 0 75 0 0\n");
        // 200 jiffies passed (guest is inside user), 100 of them stolen.
        assertThat(steal.sincePrevious().getAsDouble()).isCloseTo(50.0, within(1e-9));
    }

    @Test
    void anUnreadableOrForeignFileGivesNothing(@TempDir Path dir) throws Exception {
        assertThat(new CpuSteal(dir.resolve("missing")).sincePrevious()).isEmpty();
        Path odd = dir.resolve("odd");
        Files.writeString(odd, "cpu  1 2 3\n");
        CpuSteal steal = new CpuSteal(odd);
        steal.sincePrevious();
        assertThat(steal.sincePrevious()).isEmpty();
    }
}
