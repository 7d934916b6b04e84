package io.phalanx.ordering;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fabric writes BatchTimeout as a Go duration. */
class ChannelConfigsTest {
    @Test
    void goDurationsAreReadInMilliseconds() {
        assertThat(ChannelConfigs.durationMs("2s")).isEqualTo(2_000);
        assertThat(ChannelConfigs.durationMs("250ms")).isEqualTo(250);
        assertThat(ChannelConfigs.durationMs("1m30s")).isEqualTo(90_000);
        assertThat(ChannelConfigs.durationMs("1.5s")).isEqualTo(1_500);
        assertThat(ChannelConfigs.durationMs("1h")).isEqualTo(3_600_000);
        assertThat(ChannelConfigs.durationMs("1500us")).isEqualTo(1);
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"", "2", "s", "2 s", "2sec", "-1s", "1s junk"}) {
            assertThatThrownBy(() -> ChannelConfigs.durationMs(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
