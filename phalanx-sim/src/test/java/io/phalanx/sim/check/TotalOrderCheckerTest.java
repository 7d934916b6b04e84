package io.phalanx.sim.check;

import io.phalanx.core.message.Request;
import io.phalanx.kv.KvResult;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.phalanx.sim.check.HistoryBuilder.incr;
import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static org.assertj.core.api.Assertions.assertThat;

class TotalOrderCheckerTest {
    private final TotalOrderChecker checker = new TotalOrderChecker();

    private final Request a = ordered(1, 1, put("k", "a"));
    private final Request b = ordered(2, 1, put("k", "b"));
    private final Request c = ordered(3, 1, incr("n", 1));

    @Test
    void replicasAtDifferentSpeedsExecutingPrefixesPass() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(a, b).decide(c);
        h.replica(1).decide(a, b);
        h.replica(2);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void nonPrefixExecutionSequencesAreFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1).decide(a, b).decide(c);
        h.replica(2).decide(b, a);

        List<Violation> violations = checker.check(h.build());

        assertThat(violations).singleElement().satisfies(v -> assertThat(v.description())
                .contains("diverge at position 0", "replica 2 executed c2#1", "replica 0 executed c1#1"));
    }

    @Test
    void sameRequestWithDifferentResultAtOnePositionIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1).decide(a, c);
        h.replica(2).decide(a).recordExecution(0, c, new KvResult.Counter(42));

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("position 1", "replica 2", "counter 42", "counter 1"));
    }

    @Test
    void skippedConsensusIdIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(a).decideAs(2, b);

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 0 decided consensusId 2", "expected consensusId 1", "previous decision was consensusId 0"));
    }

    @Test
    void decisionsNotStartingAtZeroAreFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(1).decideAs(1, a);

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 1 decided consensusId 1", "expected consensusId 0", "first decision"));
    }

    @Test
    void byzantineReplicaExecutingInAnotherOrderIsIgnored() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(a, b);
        h.byzantine(3).decide(b, a, c).decideAs(7, c);

        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void divergenceIsReportedAgainstTheLongestCorrectLog() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(a);
        h.replica(1).decide(b, c);

        assertThat(checker.check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 0 executed c1#1", "replica 1 executed c2#1"));
    }
}
