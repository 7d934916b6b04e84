package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;

/** One scenario per step of the normal case (PROPOSE, WRITE, ACCEPT, decide), BFT and CFT. */
class NormalCaseTest {

    @Test
    void leaderProposesPendingRequestsAndFollowersWrite() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 1));

        List<Cluster.InFlight> proposals = cluster.take(Propose.class);
        assertThat(proposals).hasSize(3).allMatch(m -> m.from() == 0);
        Propose propose = (Propose) proposals.get(0).message();
        assertThat(propose.consensusId()).isZero();
        assertThat(propose.batch().requests()).containsExactly(request(1, 1));
        assertThat(propose.batch().timestampMs()).isEqualTo(cluster.nowMs);

        Output out = cluster.step(1, new Input.MessageReceived(0, propose));
        assertThat(out.sends()).hasSize(3).allMatch(s -> s.message() instanceof Write w
                && w.batchDigest().equals(Digests.ofBatch(propose.batch())));
    }

    @Test
    void writeQuorumMakesAReplicaAcceptAndAcceptQuorumDecides() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();

        for (int id = 0; id < 4; id++) {
            assertThat(cluster.decisions.get(id)).hasSize(1);
            Decision decision = cluster.decisions.get(id).get(0);
            assertThat(decision.consensusId()).isZero();
            assertThat(decision.batch().requests()).containsExactly(request(1, 1));
            assertThat(decision.proof()).hasSizeGreaterThanOrEqualTo(3)
                    .allMatch(a -> a.batchDigest().equals(decision.digest()));
            assertThat(cluster.cores.get(id).lastDecided()).isZero();
        }
    }

    @Test
    void noAcceptBeforeAWriteQuorum() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 1));
        Propose propose = (Propose) cluster.take(Propose.class).get(0).message();
        cluster.network.clear();
        Digest digest = Digests.ofBatch(propose.batch());

        cluster.step(1, new Input.MessageReceived(0, propose));
        Output afterOneWrite = cluster.step(1, new Input.MessageReceived(2, new Write(2, 0, 0, digest)));
        assertThat(afterOneWrite.sends()).isEmpty(); // own + r2 = 2 < quorum 3

        Output afterTwoWrites = cluster.step(1, new Input.MessageReceived(3, new Write(3, 0, 0, digest)));
        assertThat(afterTwoWrites.sends()).hasSize(3).allMatch(s -> s.message() instanceof Accept);
    }

    @Test
    void cftModeSkipsTheWriteRound() {
        Cluster cluster = new Cluster(Mode.CFT, 3, 1);
        cluster.clientSends(request(1, 1));
        Propose propose = (Propose) cluster.take(Propose.class).get(0).message();
        Output out = cluster.step(1, new Input.MessageReceived(0, propose));
        assertThat(out.sends()).hasSize(2).allMatch(s -> s.message() instanceof Accept);
        // the leader's own accept plus r1's is a majority of 3
        cluster.deliverAll();
        assertThat(cluster.decisions.get(0)).hasSize(1);
        assertThat(cluster.decisions.get(1)).hasSize(1);
    }

    @Test
    void requestsArrivingDuringAnInstanceFormTheNextBatch() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL, 1); // one instance at a time
        cluster.clientSends(request(1, 1));
        cluster.clientSends(request(2, 1));
        cluster.clientSends(request(3, 1));
        cluster.deliverAll();

        List<Decision> decided = cluster.decisions.get(2);
        assertThat(decided).extracting(Decision::consensusId).containsExactly(0L, 1L);
        assertThat(decided.get(0).batch().requests()).containsExactly(request(1, 1));
        assertThat(decided.get(1).batch().requests()).containsExactly(request(2, 1), request(3, 1));
    }

    @Test
    void aPipelineKeepsSeveralInstancesOpenAndDecidesThemInOrder() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL, 2);
        cluster.clientSends(request(1, 1)); // opens instance 0
        cluster.clientSends(request(2, 1)); // opens instance 1 while 0 is undecided
        cluster.clientSends(request(3, 1)); // the pipeline is full: waits
        cluster.clientSends(request(4, 1));
        assertThat(cluster.firstSent(Propose.class)).isNotNull();
        cluster.deliverAll();

        for (int id = 0; id < 4; id++) {
            List<Decision> decided = cluster.decisions.get(id);
            assertThat(decided).extracting(Decision::consensusId).containsExactly(0L, 1L, 2L);
            assertThat(decided.get(0).batch().requests()).containsExactly(request(1, 1));
            assertThat(decided.get(1).batch().requests()).containsExactly(request(2, 1));
            assertThat(decided.get(2).batch().requests()).containsExactly(request(3, 1), request(4, 1));
        }
    }

    @Test
    void aFollowerRefusesARequestAlreadyInAnEarlierOpenInstance() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL, 2);
        cluster.isolated.add(0); // the leader's own proposals are replaced by hand-made ones
        Batch first = new Batch(cluster.nowMs, 1, List.of(request(1, 1)));
        Batch again = new Batch(cluster.nowMs, 2, List.of(request(1, 1), request(2, 1)));
        cluster.step(1, new Input.MessageReceived(0, new Propose(0, 0, 0, first)));
        cluster.step(1, new Input.MessageReceived(0, new Propose(0, 1, 0, again)));

        ReplicaCore r1 = cluster.cores.get(1);
        assertThat(r1.counters().get(Counter.INVALID_PROPOSAL)).isEqualTo(1);
        assertThat(r1.lastRejection()).contains("already in an earlier open instance");
    }

    @Test
    void allReplicasDecideTheSameSequence() {
        Cluster cluster = new Cluster(Mode.BFT, 7, 2);
        for (int seq = 1; seq <= 20; seq++) {
            cluster.clientSends(request(seq % 3, seq / 3 + 1));
            if (seq % 4 == 0) {
                cluster.deliverAll();
            }
        }
        cluster.deliverAll();
        for (int id = 1; id < 7; id++) {
            // proofs may be different quorums; the decided values must be identical
            assertThat(cluster.decisions.get(id)).extracting(Decision::consensusId, Decision::digest)
                    .isEqualTo(cluster.decisions.get(0).stream().map(d -> org.assertj.core.groups.Tuple.tuple(
                            d.consensusId(), d.digest())).toList());
        }
        long ordered = cluster.decisions.get(0).stream().mapToLong(d -> d.batch().requests().size()).sum();
        assertThat(ordered).isEqualTo(20);
    }

    @Test
    void progressContinuesWithFReplicasSilent() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(3);
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        cluster.elapse(NormalCase.ACCEPT_WAIT_MS); // the others wait a moment for r3's ACCEPT
        cluster.deliverAll();
        assertThat(cluster.decisions.get(0)).hasSize(1);
        assertThat(cluster.decisions.get(3)).isEmpty();
    }

    @Test
    void noDecisionWithMoreThanFReplicasSilent() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(2);
        cluster.isolated.add(3);
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        assertThat(cluster.decisions.get(0)).isEmpty();
        assertThat(cluster.decisions.get(1)).isEmpty();
    }

    @Test
    void votesForTheNextInstanceAreBufferedUntilItOpens() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.clientSends(request(1, 1));
        cluster.isolated.add(3); // r3 sees nothing of instance 0 yet
        cluster.deliverAll();
        cluster.elapse(NormalCase.ACCEPT_WAIT_MS); // the others wait a moment for r3's ACCEPT
        cluster.deliverAll();
        cluster.isolated.clear();
        cluster.clientSends(request(1, 2));
        // instance 1 messages reach r3 before it has decided instance 0: buffered, not dropped
        cluster.deliverAll();
        assertThat(cluster.cores.get(3).counters().get(Counter.BEYOND_WINDOW)).isZero();
        assertThat(cluster.decisions.get(3)).isEmpty(); // it still needs instance 0's proposal
        assertThat(cluster.decisions.get(0)).hasSize(2);
    }

    @Test
    void messagesBeyondTheWindowAndForDecidedInstancesAreDroppedAndCounted() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Digest digest = Digests.ofBatch(new Batch(0, 0, List.of(request(1, 1))));
        cluster.step(1, new Input.MessageReceived(2, new Write(2, 10_000, 0, digest)));
        assertThat(cluster.cores.get(1).counters().get(Counter.BEYOND_WINDOW)).isEqualTo(1);

        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        long staleBefore = cluster.cores.get(1).counters().get(Counter.STALE_INSTANCE);
        cluster.step(1, new Input.MessageReceived(2, new Accept(2, 0, 0, digest)));
        assertThat(cluster.cores.get(1).counters().get(Counter.STALE_INSTANCE)).isEqualTo(staleBefore + 1);
    }

    @Test
    void aReplicaCannotVoteTwiceForDifferentValues() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Digest a = Digests.ofBatch(new Batch(0, 0, List.of(request(1, 1))));
        Digest b = Digests.ofBatch(new Batch(0, 1, List.of(request(1, 1))));
        cluster.step(1, new Input.MessageReceived(2, new Write(2, 0, 0, a)));
        cluster.step(1, new Input.MessageReceived(2, new Write(2, 0, 0, b)));
        assertThat(cluster.cores.get(1).counters().get(Counter.CONFLICTING_VOTE)).isEqualTo(1);
    }

    @Test
    void aMessageClaimingAnotherSenderIsDropped() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Digest digest = Digests.ofBatch(new Batch(0, 0, List.of(request(1, 1))));
        cluster.step(1, new Input.MessageReceived(3, new Write(2, 0, 0, digest)));
        assertThat(cluster.cores.get(1).counters().get(Counter.SPOOFED_SENDER)).isEqualTo(1);
    }

    @Test
    void messagesFromOutsideTheViewAreDropped() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Digest digest = Digests.ofBatch(new Batch(0, 0, List.of(request(1, 1))));
        cluster.step(1, new Input.MessageReceived(9, new Write(9, 0, 0, digest)));
        assertThat(cluster.cores.get(1).counters().get(Counter.NOT_A_MEMBER)).isEqualTo(1);
    }

    @Test
    void aProposalFromAFollowerIsRefused() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Propose fake = new Propose(2, 0, 0, new Batch(cluster.nowMs, 0, List.of(request(1, 1))));
        Output out = cluster.step(1, new Input.MessageReceived(2, fake));
        assertThat(out.sends()).isEmpty();
        assertThat(cluster.cores.get(1).counters().get(Counter.NOT_FROM_LEADER)).isEqualTo(1);
    }

    @Test
    void aSecondDifferentProposalForTheSameInstanceIsRefused() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Propose first = new Propose(0, 0, 0, new Batch(cluster.nowMs, 0, List.of(request(1, 1))));
        Propose second = new Propose(0, 0, 0, new Batch(cluster.nowMs, 0, List.of(request(2, 1))));
        assertThat(cluster.step(1, new Input.MessageReceived(0, first)).sends()).hasSize(3);
        assertThat(cluster.step(1, new Input.MessageReceived(0, second)).sends()).isEmpty();
        assertThat(cluster.cores.get(1).counters().get(Counter.CONFLICTING_PROPOSAL)).isEqualTo(1);
    }
}
