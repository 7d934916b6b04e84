package io.phalanx.core.replica;

import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The builder starts from the defaults, copies with {@code toBuilder}, and names the first bad key. */
class ReplicaConfigTest {
    private static final View VIEW = View.of(0, 4, 1, Mode.BFT);

    @Test
    void theBuilderStartsFromTheDefaults() {
        ReplicaConfig defaults = ReplicaConfig.defaults(2, VIEW);
        assertThat(ReplicaConfig.builder(2, VIEW).build()).isEqualTo(defaults);
        assertThat(defaults.clientsMax()).isEqualTo(ReplicaConfig.CLIENTS_DEFAULT);
        assertThat(defaults.pipelineMax()).isEqualTo(ReplicaConfig.PIPELINE_DEFAULT);
        assertThat(defaults.decisionLogMax()).isEqualTo(ReplicaConfig.DECISION_LOG_DEFAULT);
        assertThat(defaults.checkpointPeriod()).isEqualTo(ReplicaConfig.CHECKPOINT_PERIOD_DEFAULT);
        assertThat(defaults.requestTimeoutMs()).isEqualTo(2_000);
        assertThat(defaults.clientSignaturesRequired()).isFalse();
    }

    @Test
    void toBuilderCopiesEveryLimitAndChangesOnlyWhatIsSet() {
        ReplicaConfig changed = ReplicaConfig.builder(1, VIEW).batchRequestsMax(7).batchBytesMax(4096)
                .pendingRequestsMax(9).instanceWindowMax(16).clientWindowMax(8).clientsMax(5).operationBytesMax(512)
                .clockSkewMaxMs(100).requestTimeoutMs(300).timeoutBackoffExponentMax(2).decisionLogMax(40)
                .decisionPushMax(3).clientSignaturesRequired(true).pipelineMax(4).checkpointPeriod(10).build();
        assertThat(changed.toBuilder().build()).isEqualTo(changed);
        ReplicaConfig copy = changed.toBuilder().pipelineMax(2).build();
        assertThat(copy.pipelineMax()).isEqualTo(2);
        assertThat(copy.toBuilder().pipelineMax(4).build()).isEqualTo(changed);
    }

    @Test
    void buildNamesTheBadKey() {
        assertThatThrownBy(() -> ReplicaConfig.builder(0, VIEW).clientsMax(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("clientsMax must be > 0");
        assertThatThrownBy(() -> ReplicaConfig.builder(0, VIEW).pipelineMax(65).build())
                .hasMessageStartingWith("pipelineMax must be within 1..instanceWindowMax");
        assertThatThrownBy(() -> ReplicaConfig.builder(0, VIEW).decisionLogMax(8).build())
                .hasMessageStartingWith("checkpointPeriod must be within 1..decisionLogMax/2");
        assertThatThrownBy(() -> ReplicaConfig.builder(9, VIEW).build())
                .hasMessageStartingWith("replicaId 9 is not a member");
    }
}
