package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Decision;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecisionLogTest {
    private static Decision decision(long cid) {
        Batch batch = new Batch(cid, cid, List.of());
        return new Decision(cid, 0, batch, Digests.ofBatch(batch), List.of());
    }

    @Test
    void keepsTheMostRecentDecisionsAndFindsThemById() {
        DecisionLog log = new DecisionLog(3);
        assertThat(log.last()).isNull();
        assertThat(log.get(0)).isNull();
        for (long cid = 0; cid < 5; cid++) {
            log.append(decision(cid));
        }
        assertThat(log.last().consensusId()).isEqualTo(4);
        assertThat(log.get(1)).as("evicted").isNull();
        assertThat(log.get(2).consensusId()).isEqualTo(2);
        assertThat(log.get(4).consensusId()).isEqualTo(4);
        assertThat(log.get(5)).isNull();
        assertThat(log.from(0, 10, Long.MAX_VALUE)).extracting(Decision::consensusId).containsExactly(2L, 3L, 4L);
        assertThat(log.from(3, 1, Long.MAX_VALUE)).extracting(Decision::consensusId).containsExactly(3L);
        assertThat(log.from(7, 10, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void aPushHoldsAtMostItsByteBudgetButAlwaysOneDecision() {
        DecisionLog log = new DecisionLog(8);
        for (long cid = 0; cid < 4; cid++) {
            Batch batch = new Batch(cid, cid, List.of(Cluster.request(1, cid + 1)));
            log.append(new Decision(cid, 0, batch, Digests.ofBatch(batch), List.of()));
        }
        long one = log.get(0).batch().sizeBytes();

        assertThat(log.from(0, 10, 2 * one)).extracting(Decision::consensusId).containsExactly(0L, 1L);
        assertThat(log.from(1, 10, 1)).extracting(Decision::consensusId).containsExactly(1L);
    }

    @Test
    void refusesAGap() {
        DecisionLog log = new DecisionLog(4);
        log.append(decision(0));
        assertThatThrownBy(() -> log.append(decision(2))).isInstanceOf(IllegalStateException.class);
    }
}
