package io.phalanx.ordering;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fabric writes BatchTimeout as a Go duration; a chain's reader follows the limits its config blocks set. */
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

    @Test
    void aChainsReaderFollowsTheLimitsOfValidConfigEnvelopesOnly() {
        ChannelLimits start = new ChannelLimits(10, 4_096, 2_048, 500);
        var config = TestEnvelopes.envelope("alpha", org.hyperledger.fabric.protos.common.HeaderType.CONFIG, "cfg",
                ChannelConfigs.batchConfig(3, 4_096, 2_048, "250ms"));
        assertThat(ChannelConfigs.isConfig(config)).isTrue();
        assertThat(ChannelConfigs.limitsAfter(config, start)).isEqualTo(new ChannelLimits(3, 4_096, 2_048, 250));

        var transaction = TestEnvelopes.transaction("alpha", "t", 10, (byte) 1);
        assertThat(ChannelConfigs.isConfig(transaction)).isFalse();
        assertThat(ChannelConfigs.limitsAfter(transaction, start)).isSameAs(start);
        var refused = TestEnvelopes.envelope("alpha", org.hyperledger.fabric.protos.common.HeaderType.CONFIG, "bad",
                ChannelConfigs.batchConfig(0, 4_096, 2_048, "250ms"));
        assertThat(ChannelConfigs.limitsAfter(refused, start)).as("a config the nodes refuse").isSameAs(start);
        assertThat(ChannelConfigs.limitsAfter(com.google.protobuf.ByteString.copyFromUtf8("junk"), start)).isSameAs(start);
    }
}
