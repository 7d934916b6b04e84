package io.phalanx.sim.check;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Request;
import org.junit.jupiter.api.Test;

import static io.phalanx.sim.check.HistoryBuilder.incr;
import static io.phalanx.sim.check.HistoryBuilder.ordered;
import static io.phalanx.sim.check.HistoryBuilder.put;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checkers over restarted replicas (several incarnations under one id) and state transfer
 * (executions that jump to a checkpoint), on hand-made histories: what a correct run looks like
 * passes, and each broken invariant is reported by the checker that owns it.
 */
class RestartCheckersTest {
    private final Request a = ordered(1, 1, put("k", "a"));
    private final Request b = ordered(2, 1, put("k", "b"));
    private final Request c = ordered(3, 1, incr("n", 1));
    private final Request d = ordered(1, 2, put("j", "d"));
    private static final Digest ONE = Digests.sha256(new byte[] {1});
    private static final Digest TWO = Digests.sha256(new byte[] {2});

    @Test
    void aRestartedReplicaThatDecidesTheLogAgainPassesEveryChecker() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(a).decide(b).decide(c);
        h.replica(3).decide(a).vote(Vote.Kind.WRITE, 1, 0, ONE);
        h.restart(3).decide(a).decide(b).vote(Vote.Kind.WRITE, 1, 1, TWO);
        h.completes(a, 0, 10).completes(b, 20, 30).completes(c, 40, 50);

        assertThat(Checkers.checkAll(Checkers.standard(), h.build())).isEmpty();
    }

    @Test
    void aReplicaThatRestoredACheckpointContinuesFromItAndPasses() {
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder source = h.replica(0).decide(a).decide(b).checkpoint(1, ONE);
        h.replica(1).decide(a).decide(b).checkpoint(1, ONE);
        h.replica(2).decide(a).restoreFrom(source, 1, ONE).decide(c).decide(d);
        source.decide(c);
        h.replica(1).decide(c).decide(d);
        h.completes(a, 0, 10).completes(b, 20, 30).completes(c, 40, 50).completes(d, 60, 70);

        assertThat(Checkers.checkAll(Checkers.standard(), h.build())).isEmpty();
    }

    @Test
    void theDecidedLogIsStitchedWhenNoReplicaHoldsAllOfIt() {
        // Replica 0 executed a and b, then crashed; replica 1 restored the checkpoint after b and
        // went on alone. Clients accepted all four results: none is a lost write.
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder first = h.replica(0).decide(a).decide(b).checkpoint(1, ONE);
        h.replica(1).restoreFrom(first, 1, ONE).decide(c).decide(d);
        h.completes(a, 0, 10).completes(b, 20, 30).completes(c, 40, 50).completes(d, 60, 70);

        assertThat(Checkers.checkAll(Checkers.standard(), h.build())).isEmpty();
    }

    @Test
    void aSegmentAfterARestoreThatDivergesIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder source = h.replica(0).decide(a).decide(b).decide(c);
        h.replica(1).decide(a).decide(b).decide(c);
        h.replica(2).restoreFrom(h.replica(1), 1, ONE).decideAs(2, d);

        assertThat(new TotalOrderChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 2 executed c1#2", "after restoring the checkpoint of consensusId 1", "c3#1"));
        assertThat(source).isNotNull();
    }

    @Test
    void decisionsThatDoNotResumeAfterTheRestoredCheckpointAreFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder source = h.replica(0).decide(a).decide(b).decide(c);
        h.replica(1).restoreFrom(source, 1, ONE).decideAs(3, d);

        assertThat(new TotalOrderChecker().check(h.build())).anySatisfy(v -> assertThat(v.description())
                .contains("replica 1 decided consensusId 3", "expected consensusId 2"));
    }

    @Test
    void aRestartedIncarnationThatDecidesDifferentlyBreaksAgreement() {
        HistoryBuilder h = new HistoryBuilder();
        h.replicas(0, 1, 2).decide(a);
        h.replica(3).decide(a);
        h.restart(3).decide(b);

        assertThat(new AgreementChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 3 (incarnation 1) decided"));
    }

    @Test
    void aRequestRunAgainAfterACheckpointThatHeldItIsFlagged() {
        // The checkpoint after consensusId 0 held a's execution, yet the replica that restored it
        // executed a again: no single replica executed it twice, the decided log did.
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder first = h.replica(0).decide(a);
        h.replica(1).restoreFrom(first, 0, ONE).decide(a);

        h.completes(a, 0, 10);
        assertThat(new ExactlyOnceChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("the decided log", "executed c1#1 more than once"));
    }

    @Test
    void checkpointsOfOneInstanceWithDifferentDigestsAreFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).decide(a).checkpoint(0, ONE);
        h.replica(1).decide(a).checkpoint(0, ONE);
        h.replica(2).decide(a).checkpoint(0, TWO);
        h.byzantine(3).decide(a).checkpoint(0, TWO);

        assertThat(new CheckpointChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("consensusId 0", "replica 2 took a checkpoint with digest " + TWO, "replica 0 took one"));
    }

    @Test
    void anInstalledCheckpointIsComparedWithTakenOnes() {
        HistoryBuilder h = new HistoryBuilder();
        HistoryBuilder.ReplicaBuilder source = h.replica(0).decide(a).checkpoint(0, ONE);
        h.replica(1).restoreFrom(source, 0, TWO);

        assertThat(new CheckpointChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 1 installed"));
    }

    @Test
    void votingForTwoValuesInOneEpochAcrossARestartIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(1).vote(Vote.Kind.ACCEPT, 4, 2, ONE);
        h.restart(1).vote(Vote.Kind.ACCEPT, 4, 2, TWO);

        assertThat(new VoteOnceChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 1 (incarnation 1) sent ACCEPT cid=4 epoch=2", "as replica 1 it had sent ACCEPT"));
    }

    @Test
    void votesInOtherEpochsOrOtherRoundsOrByByzantineReplicasAreNotEquivocation() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(1).vote(Vote.Kind.WRITE, 4, 2, ONE).vote(Vote.Kind.ACCEPT, 4, 2, ONE);
        h.restart(1).vote(Vote.Kind.WRITE, 4, 3, TWO).vote(Vote.Kind.WRITE, 4, 2, ONE);
        h.byzantine(2).vote(Vote.Kind.PROPOSE, 4, 2, ONE).vote(Vote.Kind.PROPOSE, 4, 2, TWO);

        assertThat(new VoteOnceChecker().check(h.build())).isEmpty();
    }

    @Test
    void aLeaderProposingTwoValuesInOneEpochIsFlagged() {
        HistoryBuilder h = new HistoryBuilder();
        h.replica(0).vote(Vote.Kind.PROPOSE, 7, 0, ONE).vote(Vote.Kind.PROPOSE, 7, 0, TWO);

        assertThat(new VoteOnceChecker().check(h.build())).singleElement().satisfies(v -> assertThat(v.description())
                .contains("replica 0 sent PROPOSE cid=7 epoch=0", "earlier it had sent PROPOSE"));
    }
}
