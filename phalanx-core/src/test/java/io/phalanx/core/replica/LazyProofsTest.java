package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A BFT replica checks no ACCEPT signature when every replica's ACCEPT is in (the valid ones
 * surely make a quorum), and keeps them all as the proof, which whoever checks it accepts for
 * its valid quorum; with just a quorum in, it waits a moment for the rest, then checks the
 * signatures that complete the quorum (NormalCase#tryDecide). Here r3 may be Byzantine and sign
 * its ACCEPTs badly.
 */
@org.junit.jupiter.api.Timeout(60)
class LazyProofsTest {
    private static final Bytes GARBAGE = Bytes.copyOf(new byte[64]);

    /** r3's ACCEPTs arrive with a signature that does not verify. */
    private static ReplicaMessage badlySignedByR3(ReplicaMessage message) {
        return message instanceof Accept a && a.sender() == 3 ? a.withSignature(GARBAGE) : message;
    }

    @Test
    void withEveryReplicasAcceptInNoSignatureIsChecked() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        for (int seq = 1; seq <= 3; seq++) {
            cluster.clientSends(request(1, seq));
            cluster.deliverAll();
        }
        for (int id = 0; id < 4; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(2);
            assertThat(cluster.cores.get(id).counters().get(Counter.DECIDED_UNVERIFIED)).isEqualTo(3);
            assertThat(cluster.decisions.get(id)).allMatch(d -> d.proof().size() == 4);
        }
    }

    @Test
    void withAQuorumOnlyAReplicaWaitsForTheRestThenChecksSignatures() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.lost = m -> m.from() == 3 && m.to() == 0 && m.message() instanceof Accept;
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        ReplicaCore r0 = cluster.cores.get(0);
        assertThat(r0.lastDecided()).isEqualTo(-1); // a quorum is in; r3 has kept up so far
        assertThat(cluster.lastOutputs.get(0).wakeAtMs()).isLessThanOrEqualTo(cluster.nowMs + NormalCase.ACCEPT_WAIT_MS);

        cluster.elapse(NormalCase.ACCEPT_WAIT_MS);
        assertThat(r0.lastDecided()).isZero();
        assertThat(r0.counters().get(Counter.DECIDED_UNVERIFIED)).isZero();
        assertThat(cluster.decisions.get(0).get(0).proof()).extracting(Accept::sender).containsExactlyInAnyOrder(0, 1, 2);

        // r3's ACCEPT for instance 0 never came: r0 no longer waits for it.
        cluster.clientSends(request(1, 2));
        cluster.deliverAll();
        assertThat(r0.lastDecided()).isEqualTo(1);
    }

    @Test
    void anUncheckedProofWithABadSignatureStillProvesTheDecisionToOthers() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.tamper = LazyProofsTest::badlySignedByR3;
        cluster.lost = m -> m.to() == 2 && m.message() instanceof Accept; // r2 votes but never decides
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        ReplicaCore r0 = cluster.cores.get(0);
        assertThat(r0.lastDecided()).isZero();
        assertThat(r0.counters().get(Counter.DECIDED_UNVERIFIED)).isEqualTo(1);
        Decision decided = cluster.decisions.get(0).get(0);
        assertThat(decided.proof()).extracting(Accept::sender).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(cluster.cores.get(2).lastDecided()).isEqualTo(-1);

        // r2 asks for the decision and takes it: r0, r1 and r2 signed validly, which is a quorum.
        cluster.network.clear();
        cluster.lost = m -> false;
        cluster.step(0, new Input.MessageReceived(2, new DecisionFetch(2, 0)));
        cluster.deliverAll();
        ReplicaCore r2 = cluster.cores.get(2);
        assertThat(r2.lastDecided()).isZero();
        assertThat(r2.counters().get(Counter.INVALID_DECISION)).isZero();
        assertThat(cluster.decisions.get(2)).extracting(Decision::digest).containsExactly(decided.digest());

        // Its STOPDATA carries the same proof, and the new leader accepts it.
        for (int peer = 1; peer <= 3; peer++) {
            cluster.step(0, new Input.MessageReceived(peer, new Stop(peer, 1, 0, List.of())));
        }
        StopData report = (StopData) cluster.network.stream()
                .filter(m -> m.from() == 0 && m.message() instanceof StopData).findFirst().orElseThrow().message();
        assertThat(report.decisionProof()).hasSize(4);
        cluster.deliverAll();
        assertThat(cluster.cores.get(1).counters().get(Counter.INVALID_STOP_DATA)).isZero();
    }

    @Test
    void aProofWhoseValidSignaturesAreNotAQuorumIsRefused() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        Batch batch = new Batch(1_000, 7, List.of(request(1, 1)));
        Digest digest = Digests.ofBatch(batch);
        List<Accept> twoValid = List.of(cluster.signed(new Accept(0, 0, 0, digest)),
                cluster.signed(new Accept(1, 0, 0, digest)), new Accept(3, 0, 0, digest, GARBAGE));
        ReplicaCore r2 = cluster.cores.get(2);
        cluster.step(2, new Input.MessageReceived(0, new DecisionPush(0, List.of(new Decision(0, 0, batch, digest, twoValid)))));
        assertThat(r2.lastDecided()).isEqualTo(-1);
        assertThat(r2.counters().get(Counter.INVALID_DECISION)).isEqualTo(1);
        assertThat(r2.lastRejection()).contains("no quorum of valid signatures").contains("bad from [3]");
    }
}
