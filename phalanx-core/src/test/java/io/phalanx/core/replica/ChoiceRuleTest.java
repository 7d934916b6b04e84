package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader-change choice rule on hand-made reports (n = 4, f = 1 unless said otherwise): what
 * it must choose after a decision, whatever one liar says; when it may choose freely; and when
 * it must wait for more reports. Signatures and proofs are checked elsewhere ({@code Proofs.checkStopData}).
 */
class ChoiceRuleTest {
    private static final QuorumSystem BFT4 = View.of(0, 4, 1, Mode.BFT).quorums();
    private static final QuorumSystem CFT3 = View.of(0, 3, 1, Mode.CFT).quorums();
    private static final Batch V = new Batch(1, 1, List.of());
    private static final Batch W = new Batch(1, 2, List.of());

    /** A report for regency 5 from {@code sender}, who decided instance 9 and voted as {@code votes} in 10. */
    private static StopData report(int sender, VoteHistory votes) {
        return new StopData(sender, 5, 9, List.of(), votes == null ? List.of() : List.of(votes), Bytes.EMPTY);
    }

    private static VoteHistory accepted(int epoch, Batch value) {
        return VoteHistory.none(10).withWrite(epoch, Digests.ofBatch(value)).withAccept(epoch, value);
    }

    private static VoteHistory wrote(int epoch, Batch value) {
        return VoteHistory.none(10).withWrite(epoch, Digests.ofBatch(value));
    }

    @Test
    void aValueDecidedInAnEarlierEpochIsChosenDespiteALiar() {
        // V was decided in epoch 2 by the ACCEPTs of 0, 1 and 3 (3 is the liar); 2 never heard of it.
        List<StopData> evidence = List.of(
                report(0, accepted(2, V)),
                report(2, null),
                report(3, accepted(4, W))); // lie: W "accepted" in a later epoch, written by nobody else

        Proofs.Choice choice = Proofs.choose(evidence, BFT4);

        assertThat(choice.sound()).isFalse(); // V not yet certified by f+1 writers, and no quorum accepted nothing
        Proofs.Choice withAll = Proofs.choose(List.of(evidence.get(0), evidence.get(1), evidence.get(2),
                report(1, accepted(2, V))), BFT4);
        assertThat(withAll.sound()).isTrue();
        assertThat(withAll.chosen().get(10L)).isEqualTo(V);
    }

    @Test
    void aLiarClaimingNothingCannotFreeADecidedValue() {
        List<StopData> evidence = List.of(
                report(0, accepted(2, V)),
                report(1, accepted(2, V)),
                report(3, null)); // lie: it accepted V too

        Proofs.Choice choice = Proofs.choose(evidence, BFT4);

        assertThat(choice.sound()).isTrue();
        assertThat(choice.chosen().get(10L)).isEqualTo(V);
    }

    @Test
    void aQuorumThatAcceptedNothingLeavesTheLeaderFree() {
        Proofs.Choice choice = Proofs.choose(List.of(report(0, wrote(1, V)), report(1, null), report(2, null)), BFT4);

        assertThat(choice.sound()).isTrue();
        assertThat(choice.chosen().get(10L)).isNull();
        assertThat(choice.maxLastDecided()).isEqualTo(9);
    }

    @Test
    void aLaterAcceptanceOutranksAnEarlierOne() {
        // W accepted in epoch 3 by two replicas that also wrote it; V, accepted in 1, is superseded.
        Proofs.Choice choice = Proofs.choose(List.of(
                report(0, accepted(1, V)),
                report(1, accepted(1, V).withWrite(3, Digests.ofBatch(W)).withAccept(3, W)),
                report(2, wrote(3, W))), BFT4);

        assertThat(choice.sound()).isTrue();
        assertThat(choice.chosen().get(10L)).isEqualTo(W);
    }

    @Test
    void aValueOnlyItsReporterWroteDoesNotBind() {
        // The liar's W would be "highest", but only one report wrote it: not a correct witness.
        Proofs.Choice choice = Proofs.choose(List.of(
                report(0, null), report(1, null), report(3, accepted(4, W))), BFT4);

        assertThat(choice.sound()).isFalse(); // two "nothing" are not a quorum, W is not certified
    }

    @Test
    void reportsAboutAnOlderInstanceCountAsNothing() {
        // Replica 2 is behind: it decided only up to 8, so its votes were about instance 9.
        StopData behind = new StopData(2, 5, 8, List.of(), List.of(VoteHistory.none(9).withWrite(1, Digests.ofBatch(W))
                .withAccept(1, W)), Bytes.EMPTY);

        Proofs.Choice choice = Proofs.choose(List.of(report(0, null), report(1, null), behind), BFT4);

        assertThat(choice.maxLastDecided()).isEqualTo(9);
        assertThat(choice.sound()).isTrue();
        assertThat(choice.chosen().get(10L)).isNull();
    }

    @Test
    void cftChoosesTheHighestEpochAccepted() {
        VoteHistory early = VoteHistory.none(10).withAccept(1, V);
        VoteHistory late = VoteHistory.none(10).withAccept(3, W);

        assertThat(Proofs.choose(List.of(report(0, early), report(1, late)), CFT3).chosen().get(10L)).isEqualTo(W);
        assertThat(Proofs.choose(List.of(report(0, null), report(1, null)), CFT3).chosen().get(10L)).isNull();
    }

    @Test
    void withSeveralInstancesOpenTheRuleRunsForEachAndLeavesGapsFree() {
        // Pipelined instances 10 and 11: V was accepted by a quorum in 11 (so it may be decided),
        // nobody accepted anything in 10.
        VoteHistory wrote10 = VoteHistory.none(10).withWrite(2, Digests.ofBatch(W));
        VoteHistory accepted11 = VoteHistory.none(11).withWrite(2, Digests.ofBatch(V)).withAccept(2, V);
        List<StopData> evidence = List.of(
                new StopData(0, 5, 9, List.of(), List.of(wrote10, accepted11), Bytes.EMPTY),
                new StopData(1, 5, 9, List.of(), List.of(accepted11), Bytes.EMPTY),
                new StopData(2, 5, 9, List.of(), List.of(accepted11), Bytes.EMPTY));

        Proofs.Choice choice = Proofs.choose(evidence, BFT4);

        assertThat(choice.sound()).isTrue();
        assertThat(choice.chosen()).containsOnlyKeys(11L).containsEntry(11L, V); // 10 is free: the leader fills it
    }

    @Test
    void evidenceIsSoundOnlyIfItIsSoundForEveryOpenInstance() {
        // Instance 10 is settled (nobody accepted), but in 11 replica 0 accepted V alone and
        // replica 3 claims W: neither binds, and "nothing accepted" has no quorum.
        VoteHistory v11 = VoteHistory.none(11).withWrite(2, Digests.ofBatch(V)).withAccept(2, V);
        VoteHistory w11 = VoteHistory.none(11).withWrite(3, Digests.ofBatch(W)).withAccept(3, W);
        List<StopData> evidence = List.of(
                new StopData(0, 5, 9, List.of(), List.of(v11), Bytes.EMPTY),
                new StopData(2, 5, 9, List.of(), List.of(), Bytes.EMPTY),
                new StopData(3, 5, 9, List.of(), List.of(w11), Bytes.EMPTY));

        assertThat(Proofs.choose(evidence, BFT4).sound()).isFalse();
    }
}
