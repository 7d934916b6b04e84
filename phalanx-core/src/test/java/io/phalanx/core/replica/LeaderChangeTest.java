package io.phalanx.core.replica;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.Write;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.phalanx.core.replica.Cluster.request;
import static org.assertj.core.api.Assertions.assertThat;

/** Step-level scenarios of the synchronization phase, request timers and catch-up. */
@org.junit.jupiter.api.Timeout(60)
class LeaderChangeTest {
    private static final long TIMEOUT_MS = 2_000; // ReplicaConfig.defaults

    @Test
    void requestTimerForwardsFirstAndStopsOnSecondExpiry() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(0);
        cluster.step(1, new Input.RequestReceived(request(1, 1))); // only r1 heard the client
        cluster.network.clear();

        cluster.elapse(TIMEOUT_MS);
        assertThat(cluster.network).hasSize(3).allMatch(m -> m.message() instanceof Forward);
        cluster.network.clear();

        cluster.elapse(TIMEOUT_MS);
        assertThat(cluster.network).anyMatch(m -> m.message() instanceof Stop);
        Stop stop = (Stop) cluster.take(Stop.class).get(0).message();
        assertThat(stop.regency()).isEqualTo(1);
        assertThat(stop.requests()).containsExactly(request(1, 1));
    }

    @Test
    void silentLeaderIsReplacedAndThePendingRequestDecided() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(0);
        cluster.clientSends(request(1, 1));
        cluster.runFor(3 * TIMEOUT_MS);

        for (int id = 1; id < 4; id++) {
            ReplicaCore core = cluster.cores.get(id);
            assertThat(core.regency()).as("r%d regency", id).isEqualTo(1);
            assertThat(core.leader()).isEqualTo(1);
            assertThat(cluster.decisions.get(id)).extracting(d -> d.batch().requests()).containsExactly(List.of(request(1, 1)));
            assertThat(cluster.decisions.get(id).get(0).epoch()).isEqualTo(1);
        }
    }

    @Test
    void joinsALeaderChangeOnFPlusOneStopsAndInstallsOnAQuorum() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        ReplicaCore r3 = cluster.cores.get(3);
        cluster.step(3, new Input.MessageReceived(1, new Stop(1, 1, -1, List.of())));
        assertThat(cluster.network).isEmpty(); // one STOP may come from a liar
        cluster.step(3, new Input.MessageReceived(2, new Stop(2, 1, -1, List.of())));
        assertThat(cluster.take(Stop.class)).hasSize(3); // f+1 = 2: joins, to everyone
        assertThat(r3.regency()).isEqualTo(1); // its own STOP made a quorum of 3
        assertThat(cluster.take(StopData.class)).singleElement().satisfies(m -> assertThat(m.to()).isEqualTo(1));
        assertThat(r3.active()).isFalse(); // waits for the SYNC
    }

    @Test
    void newLeaderReproposesACertifiedValue() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.lost = m -> m.message() instanceof Accept a && a.epoch() == 0; // WRITE quorums form, ACCEPTs are lost
        cluster.clientSends(request(1, 1));
        Propose proposal = cluster.firstSent(Propose.class);
        cluster.deliverAll();
        assertThat(cluster.decisions.get(1)).isEmpty();

        cluster.isolated.add(0);
        cluster.clientSends(request(2, 1));
        cluster.runFor(3 * TIMEOUT_MS);

        Digest original = Digests.ofBatch(proposal.batch());
        for (int id = 1; id < 4; id++) {
            assertThat(cluster.decisions.get(id).get(0).digest()).as("r%d decided the certified value", id).isEqualTo(original);
            assertThat(cluster.decisions.get(id).get(0).epoch()).isEqualTo(1);
        }
    }

    @Test
    void newLeaderBindsEveryPipelinedInstanceAndFillsTheGapBefore() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, io.phalanx.core.service.RequestVerifier.ACCEPT_ALL, 4);
        // Instances 0, 1 and 2 open at once. Every ACCEPT of epoch 0 is lost, and so is every
        // WRITE for instance 1: 0 and 2 are accepted by a quorum, 1 by nobody.
        cluster.lost = m -> (m.message() instanceof Accept a && a.epoch() == 0)
                || (m.message() instanceof Write w && w.consensusId() == 1 && w.epoch() == 0);
        cluster.clientSends(request(1, 1));
        cluster.clientSends(request(2, 1));
        cluster.clientSends(request(3, 1));
        List<Propose> proposals = cluster.network.stream().map(Cluster.InFlight::message).filter(Propose.class::isInstance)
                .map(Propose.class::cast).filter(p -> p.epoch() == 0).distinct().toList();
        assertThat(proposals).extracting(Propose::consensusId).containsExactly(0L, 1L, 2L);
        cluster.deliverAll();
        assertThat(cluster.decisions.get(1)).isEmpty();

        cluster.isolated.add(0);
        cluster.runFor(3 * TIMEOUT_MS);

        Sync sync = cluster.firstSent(Sync.class);
        assertThat(sync.chosen()).extracting(Sync.Bound::consensusId).containsExactly(0L, 2L);
        for (int id = 1; id < 4; id++) {
            List<Decision> decided = cluster.decisions.get(id);
            assertThat(decided).extracting(Decision::consensusId).startsWith(0L, 1L, 2L);
            assertThat(decided.get(0).digest()).isEqualTo(Digests.ofBatch(proposals.get(0).batch()));
            assertThat(decided.get(2).digest()).isEqualTo(Digests.ofBatch(proposals.get(2).batch()));
            // Instance 1 was free: the new leader filled it, with the request nobody accepted.
            assertThat(decided.get(1).epoch()).isEqualTo(1);
            assertThat(decided.get(1).batch().requests()).containsExactly(request(2, 1));
        }
    }

    @Test
    void followersRefuseASyncThatIgnoresTheCertificate() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.lost = m -> m.message() instanceof Accept a && a.epoch() == 0;
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        cluster.isolated.add(0);
        cluster.lost = m -> (m.message() instanceof Accept a && a.epoch() == 0)
                || (m.to() == 2 && m.message() instanceof Sync); // and r2 never hears the SYNC
        cluster.clientSends(request(2, 1));
        cluster.runFor(3 * TIMEOUT_MS);
        Sync honest = cluster.firstSent(Sync.class);
        assertThat(honest).isNotNull();
        assertThat(honest.chosen()).isNotEmpty();

        Sync ignoringCertificate = new Sync(honest.sender(), honest.regency(), honest.proofs(), List.of());
        ReplicaCore r2 = cluster.cores.get(2);
        assertThat(r2.active()).isFalse();
        cluster.step(2, new Input.MessageReceived(1, ignoringCertificate));
        assertThat(r2.counters().get(Counter.INVALID_SYNC)).isEqualTo(1);
        assertThat(r2.lastRejection()).contains("choice rule");
        assertThat(r2.active()).isFalse();

        cluster.step(2, new Input.MessageReceived(1, honest));
        assertThat(r2.active()).isTrue();
    }

    @Test
    void aSyncWithAForgedStopDataIsRefused() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(0);
        cluster.lost = m -> m.to() == 3 && m.message() instanceof Sync; // r3 never hears the SYNC
        cluster.clientSends(request(1, 1));
        cluster.runFor(3 * TIMEOUT_MS);
        Sync honest = cluster.firstSent(Sync.class);
        assertThat(honest).isNotNull();
        List<StopData> proofs = new ArrayList<>(honest.proofs());
        proofs.set(0, proofs.get(0).withSignature(Bytes.utf8("forged")));
        ReplicaCore r3 = cluster.cores.get(3);
        long invalidBefore = r3.counters().get(Counter.INVALID_SYNC);
        cluster.step(3, new Input.MessageReceived(1, new Sync(1, honest.regency(), proofs, honest.chosen())));
        assertThat(r3.counters().get(Counter.INVALID_SYNC)).isEqualTo(invalidBefore + 1);
        assertThat(r3.lastRejection()).contains("not signed by a member");
    }

    @Test
    void laggingReplicaCatchesUpWithProofs() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(3);
        for (int seq = 1; seq <= 5; seq++) {
            cluster.clientSends(request(1, seq));
            cluster.deliverAll();
            cluster.elapse(NormalCase.ACCEPT_WAIT_MS); // the others wait a moment for r3's ACCEPT
            cluster.deliverAll();
        }
        assertThat(cluster.cores.get(0).lastDecided()).isEqualTo(4);
        assertThat(cluster.cores.get(3).lastDecided()).isEqualTo(-1);

        cluster.isolated.clear();
        cluster.clientSends(request(1, 6));
        cluster.runFor(TIMEOUT_MS);

        ReplicaCore r3 = cluster.cores.get(3);
        assertThat(r3.lastDecided()).isEqualTo(5);
        assertThat(r3.counters().get(Counter.DECISIONS_LEARNED)).isPositive();
        assertThat(cluster.decisions.get(3)).extracting(Decision::digest)
                .isEqualTo(cluster.decisions.get(0).stream().map(Decision::digest).toList());
    }

    @Test
    void aDecisionWithoutAValidProofIsRefused() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(3);
        cluster.clientSends(request(1, 1));
        cluster.deliverAll();
        cluster.elapse(NormalCase.ACCEPT_WAIT_MS); // the others wait a moment for r3's ACCEPT
        cluster.deliverAll();
        Decision real = cluster.decisions.get(0).get(0);
        List<Accept> unsigned = real.proof().stream()
                .map(a -> new Accept(a.sender(), a.consensusId(), a.epoch(), a.batchDigest())).toList();
        Decision forged = new Decision(real.consensusId(), real.epoch(), real.batch(), real.digest(), unsigned);

        ReplicaCore r3 = cluster.cores.get(3);
        cluster.step(3, new Input.MessageReceived(0, new DecisionPush(0, List.of(forged))));
        assertThat(r3.lastDecided()).isEqualTo(-1);
        assertThat(r3.counters().get(Counter.INVALID_DECISION)).isEqualTo(1);

        cluster.step(3, new Input.MessageReceived(0, new DecisionPush(0, List.of(real))));
        assertThat(r3.lastDecided()).isZero();
    }

    @Test
    void timeoutsBackOffWhileInstalledChangesFailAndResetAfterADecision() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(0);
        cluster.lost = m -> m.message() instanceof Sync; // every regency installs, no SYNC arrives
        cluster.clientSends(request(1, 1));
        ReplicaCore r2 = cluster.cores.get(2);
        cluster.runFor(4 * TIMEOUT_MS);
        long early = r2.currentTimeoutMs();
        int earlyRegency = r2.regency();
        cluster.runFor(30 * TIMEOUT_MS);
        long later = r2.currentTimeoutMs();
        assertThat(early).isGreaterThan(TIMEOUT_MS);
        assertThat(later).isGreaterThan(early);
        assertThat(r2.regency()).isGreaterThan(earlyRegency); // each regency abandoned for the next

        cluster.isolated.clear();
        cluster.lost = m -> false;
        cluster.runFor(200 * TIMEOUT_MS);
        assertThat(r2.lastDecided()).isZero();
        assertThat(r2.currentTimeoutMs()).isEqualTo(TIMEOUT_MS);
    }

    @Test
    void aStopThatNoQuorumJoinsIsRetransmittedNotEscalated() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1);
        cluster.isolated.add(0);
        cluster.isolated.add(1); // two of four gone: no leader change can be installed
        cluster.clientSends(request(1, 1));
        cluster.runFor(40 * TIMEOUT_MS);
        for (int id = 2; id < 4; id++) {
            ReplicaCore core = cluster.cores.get(id);
            assertThat(core.regency()).as("r%d regency", id).isZero();
            assertThat(core.active()).as("r%d silent in regency 0", id).isFalse();
        }
        // Still asking for regency 1, and only for it: a replica that escalated alone would run
        // ahead of the replicas it cannot hear, and leave the regencies they install later.
        cluster.elapse(2 * cluster.cores.get(2).currentTimeoutMs());
        assertThat(cluster.take(Stop.class)).isNotEmpty().allSatisfy(m -> assertThat(((Stop) m.message()).regency()).isEqualTo(1));

        cluster.isolated.clear();
        cluster.runFor(20 * TIMEOUT_MS);
        assertThat(cluster.cores.get(2).regency()).isEqualTo(1);
        assertThat(cluster.cores.get(2).lastDecided()).isZero();
    }

    @Test
    void cftLeaderChangeKeepsAnAcceptedValue() {
        Cluster cluster = new Cluster(Mode.CFT, 3, 1);
        cluster.clientSends(request(1, 1));
        Propose proposal = (Propose) cluster.take(Propose.class).get(0).message();
        cluster.network.add(new Cluster.InFlight(0, 1, proposal)); // only r1 gets it and accepts
        cluster.deliverAll();
        cluster.network.clear();
        cluster.isolated.add(0);
        cluster.runFor(4 * TIMEOUT_MS);

        assertThat(cluster.decisions.get(1)).isNotEmpty();
        assertThat(cluster.decisions.get(1).get(0).digest()).isEqualTo(Digests.ofBatch(proposal.batch()));
        assertThat(cluster.decisions.get(2).get(0).digest()).isEqualTo(Digests.ofBatch(proposal.batch()));
    }
}
