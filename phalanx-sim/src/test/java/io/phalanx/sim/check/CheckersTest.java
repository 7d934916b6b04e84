package io.phalanx.sim.check;

import io.phalanx.core.message.Request;
import io.phalanx.kv.KvResult;
import org.junit.jupiter.api.Test;

import static io.phalanx.sim.check.HistoryBuilder.get;
import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static io.phalanx.sim.check.HistoryBuilder.unordered;
import static org.assertj.core.api.Assertions.assertThat;

class CheckersTest {
    @Test
    void standardSetHasEverySafetyChecker() {
        assertThat(Checkers.standard()).extracting(Checker::name)
                .containsExactly("agreement", "total-order", "exactly-once", "linearizability", "checkpoint", "vote-once");
    }

    @Test
    void aCleanRunPassesEveryChecker() {
        Request putA = ordered(1, 1, put("k", "a"));
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2, 3).decide(putA);
        h.completes(putA, 0, 10).completes(unordered(2, 1, get("k")), 20, 30, KvResult.value("a"));

        assertThat(Checkers.checkAll(Checkers.standard(), h.build())).isEmpty();
    }

    @Test
    void divergentReplicaIsReportedByAgreementAndTotalOrder() {
        Request putA = ordered(1, 1, put("k", "a"));
        Request putB = ordered(2, 1, put("k", "b"));
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(putA, putB);
        h.replica(3).decide(putB, putA);
        h.completes(putA, 0, 10).completes(putB, 0, 10);

        assertThat(Checkers.checkAll(Checkers.standard(), h.build())).extracting(Violation::checker)
                .containsExactly("agreement", "total-order");
    }
}
