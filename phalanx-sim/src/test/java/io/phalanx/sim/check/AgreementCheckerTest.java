package io.phalanx.sim.check;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Request;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static org.assertj.core.api.Assertions.assertThat;

class AgreementCheckerTest {
    private final AgreementChecker checker = new AgreementChecker();

    private final Request a = ordered(1, 1, put("k", "a"));
    private final Request b = ordered(2, 1, put("k", "b"));
    private final Request c = ordered(3, 1, put("k", "c"));

    /** Instances 0..2 decided identically by replicas 0..3. */
    private HistoryBuilder threeAgreedInstances() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2, 3).decide(a).decide(b).decide(c);
        return h;
    }

    @Test
    void replicasDecidingTheSameBatchesPass() {
        assertThat(checker.check(threeAgreedInstances().build())).isEmpty();
    }

    @Test
    void laggingReplicaThatDecidedFewerInstancesPasses() {
        HistoryBuilder h = threeAgreedInstances();
        h.replica(4).decide(a);
        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void twoReplicasDecidingDifferentBatchesForConsensusId3AreFlagged() {
        HistoryBuilder h = threeAgreedInstances();
        Request x = ordered(4, 1, put("k", "x"));
        Request y = ordered(5, 1, put("k", "y"));
        h.replicas(0, 1, 2).decide(x);
        h.replica(3).decide(y);

        List<Violation> violations = checker.check(h.build());

        assertThat(violations).hasSize(1);
        assertThat(violations.get(0).checker()).isEqualTo("agreement");
        assertThat(violations.get(0).description())
                .contains("consensusId 3", "replica 3", "replica 0", "[c5#1]", "[c4#1]",
                        Digests.ofBatch(new Batch(1003, 3, List.of(y))).toString());
    }

    @Test
    void byzantineReplicaDecidingSomethingElseIsIgnored() {
        HistoryBuilder h = threeAgreedInstances();
        h.byzantine(4).decide(c).decide(b).decide(a);
        assertThat(checker.check(h.build())).isEmpty();
    }

    @Test
    void recordedDigestThatDoesNotMatchTheBatchIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        Batch batchA = new Batch(1000, 0, List.of(a));
        Batch batchB = new Batch(1000, 0, List.of(b));
        h.replica(0).recordDecision(new Decided(0, Digests.ofBatch(batchB), batchA));

        List<Violation> violations = checker.check(h.build());

        assertThat(violations).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 0", "consensusId 0", "recorded digest " + Digests.ofBatch(batchB), "[c1#1]"));
    }

    @Test
    void sameReplicaDecidingOneInstanceTwiceDifferentlyIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decideAs(0, a).decideAs(0, b);

        assertThat(checker.check(h.build())).singleElement()
                .satisfies(v -> assertThat(v.description()).contains("consensusId 0", "replica 0 earlier"));
    }
}
