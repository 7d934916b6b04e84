package io.phalanx.core.replica;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Reply;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.AdminResult;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.ViewChange;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Step-level scenarios of view changes: an administrator's request decided in instance c makes a
 * view that governs from c + instanceWindowMax + 1 on, on every replica at the same instance.
 */
@org.junit.jupiter.api.Timeout(60)
class ReconfigurationTest {
    private static final long ADMIN = 4; // TestKeys' clients are 1..4; the administrator signs
    private static final int WINDOW = 4;
    private static final long TIMEOUT_MS = 2_000; // ReplicaConfig.defaults

    private static Cluster cluster(Mode mode, int n, int f) {
        return new Cluster(mode, n, f, RequestVerifier.ACCEPT_ALL,
                c -> c.adminClientId(ADMIN).instanceWindowMax(WINDOW).pipelineMax(1)).executing();
    }

    /** The administrator's request, signed (its requests always need a valid signature). */
    private static Request admin(Cluster cluster, long sequence, long viewId, ViewChange change) {
        Request unsigned = new Request(ADMIN, sequence, RequestKind.ORDERED, viewId, Bytes.copyOf(MessageCodec.encodeViewChange(change)));
        return unsigned.withSignature(cluster.keys.client(ADMIN).sign(MessageCodec.signedBytes(unsigned)));
    }

    private static Request op(long client, long sequence, long viewId) {
        return new Request(client, sequence, RequestKind.ORDERED, viewId, Bytes.utf8("op-" + client + "-" + sequence));
    }

    /** Decides one request of {@code client} per instance, {@code count} of them, for view {@code viewId}. */
    private static void decideOneByOne(Cluster cluster, long client, long firstSequence, int count, long viewId) {
        for (int i = 0; i < count; i++) {
            cluster.clientSends(op(client, firstSequence + i, viewId));
            cluster.deliverAll();
        }
    }

    private static AdminResult adminResult(Cluster cluster, int replica) throws Exception {
        Reply reply = cluster.executors.get(replica).cachedReply(new io.phalanx.core.message.RequestId(ADMIN, 1, RequestKind.ORDERED))
                .orElseThrow();
        return MessageCodec.decodeAdminResult(reply.result().toArray());
    }

    /**
     * BFT n=5 after replica 0 fell silent for a while: regency 1, led by replica 1, with one
     * request decided and nothing sent since.
     */
    private static Cluster inRegencyOne() {
        Cluster cluster = cluster(Mode.BFT, 5, 1);
        cluster.isolated.add(0);
        cluster.clientSends(op(1, 1, 0));
        cluster.runFor(3 * TIMEOUT_MS); // replica 0 silent: regency 1, led by replica 1
        cluster.isolated.clear();
        cluster.runFor(3 * TIMEOUT_MS);
        assertThat(cluster.cores.get(1).regency()).isEqualTo(1);
        cluster.sent.clear();
        return cluster;
    }

    /**
     * {@link #inRegencyOne}, then the administrator removes {@code replica} and the others decide
     * one by one past the instance window, so that the view without it governs.
     */
    private static Cluster inRegencyOneAfterRemoving(int replica) {
        Cluster cluster = inRegencyOne();
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Remove(replica)));
        cluster.deliverAll();
        decideOneByOne(cluster, 1, 2, WINDOW + 2, 1);
        return cluster;
    }

    @Test
    void aDecidedChangeGovernsFromTheWindowAfterItOnEveryReplica() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 7, 2);
        decideOneByOne(cluster, 1, 1, 2, 0);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.SetF(1)));
        cluster.deliverAll();
        long changedAt = 2;
        for (int id = 0; id < 7; id++) {
            AdminResult result = adminResult(cluster, id);
            assertThat(result.refusal()).isNull();
            assertThat(result.installed().f()).isEqualTo(1);
            assertThat(result.installed().id()).isEqualTo(1);
            assertThat(result.firstConsensusId()).isEqualTo(changedAt + WINDOW + 1);
            assertThat(cluster.cores.get(id).counters().get(Counter.VIEW_CHANGE_DECIDED)).isEqualTo(1);
            assertThat(cluster.cores.get(id).views().at(changedAt + WINDOW).id()).isZero();
            assertThat(cluster.cores.get(id).views().at(changedAt + WINDOW + 1).id()).isEqualTo(1);
        }
        // Requests for the old view are refused now; the new view's go through.
        cluster.clientSends(op(1, 3, 0));
        assertThat(cluster.lastOutputs.get(0).refusals()).singleElement()
                .satisfies(r -> assertThat(r.viewId()).isEqualTo(1));
        long before = cluster.cores.get(0).lastDecided();
        decideOneByOne(cluster, 1, 3, 3, 1);
        for (int id = 0; id < 7; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(before + 3);
            assertThat(cluster.cores.get(id).counters().get(Counter.VIEW_ENTERED)).isEqualTo(1);
            assertThat(cluster.cores.get(id).viewInForce().f()).isEqualTo(1);
        }
    }

    @Test
    void aRemovedReplicaIsNoLongerCountedAndTheRemovedLeaderHandsOverAtOnce() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 5, 1);
        decideOneByOne(cluster, 1, 1, 1, 0);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Remove(0))); // replica 0 leads regency 0
        cluster.deliverAll();
        decideOneByOne(cluster, 1, 2, WINDOW, 1);
        for (int id = 1; id < 5; id++) {
            assertThat(cluster.cores.get(id).viewInForce().members()).containsExactly(1, 2, 3, 4);
            assertThat(cluster.cores.get(id).leader()).isEqualTo(1);
            assertThat(cluster.cores.get(id).regency()).isZero(); // no timeout, no leader change
        }
        // Replica 0 is out: the four others decide on their own, led by replica 1.
        cluster.isolated.add(0);
        long before = cluster.cores.get(1).lastDecided();
        decideOneByOne(cluster, 1, 2 + WINDOW, 3, 1);
        for (int id = 1; id < 5; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(before + 3);
        }
        assertThat(cluster.decisions.get(1)).allSatisfy(d -> assertThat(d.epoch()).isZero());
    }

    @Test
    void anIdleClusterFillsTheInstancesBeforeTheNewViewWithEmptyBatches() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 7, 2);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.SetF(1)));
        cluster.deliverAll(); // no request follows
        for (int id = 0; id < 7; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(WINDOW);
            assertThat(cluster.cores.get(id).viewInForce().id()).isEqualTo(1);
            assertThat(cluster.decisions.get(id).subList(1, WINDOW + 1))
                    .allSatisfy(d -> assertThat(d.batch().requests()).isEmpty());
        }
        cluster.clientSends(admin(cluster, 2, 1, new ViewChange.Remove(6)));
        cluster.deliverAll();
        assertThat(MessageCodec.decodeAdminResult(cluster.executors.get(0).cachedReply(
                new io.phalanx.core.message.RequestId(ADMIN, 2, RequestKind.ORDERED)).orElseThrow().result().toArray())
                .installed()).as("the next change is accepted once the first governs").isNotNull();
    }

    @Test
    void aServiceCheckThatRefusesAllButItsOwnOperationsLetsTheAdministratorsChangesThrough() throws Exception {
        // The service admits only its own operations ("op-..."); the view change is not its to judge.
        RequestVerifier ownOperationsOnly = request ->
                new String(request.operation().toArray(), java.nio.charset.StandardCharsets.UTF_8).startsWith("op-");
        Cluster cluster = new Cluster(Mode.BFT, 7, 2, ownOperationsOnly,
                c -> c.adminClientId(ADMIN).instanceWindowMax(WINDOW).pipelineMax(1)).executing();
        decideOneByOne(cluster, 1, 1, 1, 0);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.SetF(1)));
        cluster.deliverAll();
        assertThat(adminResult(cluster, 0).installed()).as("installed").isNotNull();
        for (int id = 0; id < 7; id++) {
            assertThat(cluster.cores.get(id).views().latest().f()).isEqualTo(1);
        }
    }

    @Test
    void anUnsignedAdministratorsRequestIsNeverOrdered() {
        Cluster cluster = cluster(Mode.BFT, 4, 1); // client signatures not required
        Request forged = new Request(ADMIN, 1, RequestKind.ORDERED, 0,
                Bytes.copyOf(MessageCodec.encodeViewChange(new ViewChange.SetF(0))));
        cluster.clientSends(forged);
        cluster.deliverAll();
        // A Byzantine leader proposing it: followers refuse the proposal.
        Output out = cluster.step(1, new Input.MessageReceived(0, new io.phalanx.core.message.Propose(0, 0, 0,
                new io.phalanx.core.message.Batch(cluster.nowMs, 0, List.of(forged)))));
        assertThat(out.sends()).noneMatch(s -> s.message() instanceof io.phalanx.core.message.Write);
        assertThat(cluster.cores.get(1).lastRejection()).contains("lacks a valid client signature");
        for (int id = 0; id < 4; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(-1);
            assertThat(cluster.cores.get(id).counters().get(Counter.BAD_SIGNATURE)).isPositive();
        }
    }

    @Test
    void anInvalidChangeIsDecidedButRefusedWithItsReason() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Remove(3))); // n=3 cannot tolerate f=1
        cluster.deliverAll();
        for (int id = 0; id < 4; id++) {
            AdminResult result = adminResult(cluster, id);
            assertThat(result.installed()).isNull();
            assertThat(result.refusal()).contains("needs n >= 4");
            assertThat(cluster.cores.get(id).counters().get(Counter.VIEW_CHANGE_REFUSED)).isEqualTo(1);
        }
        decideOneByOne(cluster, 1, 1, WINDOW + 2, 0); // the view is unchanged: view 0's requests go on
        assertThat(cluster.cores.get(0).lastDecided()).isEqualTo(WINDOW + 2);
    }

    @Test
    void addingAReplicaWhileAnotherIsDownIsRefusedNamingWhoIsMissing() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        decideOneByOne(cluster, 1, 1, 1, 0);
        cluster.isolated.add(3); // down: the leader's probe gets no answer from it
        Bytes key = Bytes.copyOf(java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Add(4, key, new io.phalanx.core.view.Addresses("h4:1", "h4:2"))));
        cluster.runFor(TIMEOUT_MS); // past the probe's wait, short of a request timeout
        for (int id = 0; id < 3; id++) {
            AdminResult result = adminResult(cluster, id);
            assertThat(result.installed()).isNull();
            // View 1 would be n=5 with a quorum of 4: replicas 0, 1 and 2 alone cannot form it.
            assertThat(result.refusal()).contains("needs a quorum of 4 of [0, 1, 2, 3, 4]")
                    .contains("only 3 of them are up and caught up (missing [3, 4])");
            assertThat(cluster.cores.get(id).regency()).isZero(); // the probe's wait is no leader change
        }
        assertThat(cluster.decisions.get(0)).anySatisfy(d -> assertThat(d.batch().caughtUp()).containsExactly(0, 1, 2));
    }

    @Test
    void removingAReplicaThatIsDownIsMadeByTheOthers() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 5, 1);
        decideOneByOne(cluster, 1, 1, 1, 0);
        cluster.isolated.add(4);
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Remove(4)));
        cluster.runFor(TIMEOUT_MS);
        for (int id = 0; id < 4; id++) {
            AdminResult result = adminResult(cluster, id);
            assertThat(result.refusal()).isNull();
            assertThat(result.installed().members()).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void aReplicaRemovedInALaterRegencyReportsNothingToTheNewViewsLeader() throws Exception {
        Cluster cluster = inRegencyOneAfterRemoving(4);
        assertThat(cluster.cores.get(4).removed()).isTrue();
        // The others enter view 1 in regency 1 and report to its leader; replica 4 is no member of it.
        assertThat(cluster.sent).anyMatch(m -> m.message() instanceof StopData d && d.sender() == 2);
        assertThat(cluster.sent).noneMatch(m -> m.message() instanceof StopData d && d.sender() == 4);
    }

    @Test
    void aSecondChangeWhileTheFirstIsPendingIsRefused() throws Exception {
        Cluster cluster = cluster(Mode.BFT, 7, 2);
        // Both reach the leader before it proposes: one batch decides them, the second after the first.
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.SetF(1)));
        cluster.clientSends(admin(cluster, 2, 0, new ViewChange.Remove(6)));
        cluster.deliverAll();
        Reply second = cluster.executors.get(0).cachedReply(new io.phalanx.core.message.RequestId(ADMIN, 2, RequestKind.ORDERED))
                .orElseThrow();
        assertThat(MessageCodec.decodeAdminResult(second.result().toArray()).refusal()).contains("one change at a time");
    }

    @Test
    void enteringANewViewAfterALeaderChangeWaitsForThatViewsSync() throws Exception {
        Cluster cluster = inRegencyOneAfterRemoving(1); // removes the leader of regency 1
        // At the boundary every member of the new view reported to its leader of regency 1
        // (members[1] of [0, 2, 3, 4] is replica 2), which sent that view's SYNC.
        assertThat(cluster.sent).anyMatch(m -> m.message() instanceof StopData d && d.regency() == 1 && m.to() == 2);
        assertThat(cluster.sent).anyMatch(m -> m.message() instanceof Sync s && s.sender() == 2 && s.regency() == 1);
        assertThat(cluster.sent).noneMatch(m -> m.message() instanceof Stop);
        for (int id : List.of(0, 2, 3, 4)) {
            assertThat(cluster.cores.get(id).regency()).isEqualTo(1);
            assertThat(cluster.cores.get(id).leader()).isEqualTo(2);
            assertThat(cluster.cores.get(id).active()).isTrue();
        }
        long decided = cluster.cores.get(2).lastDecided();
        assertThat(cluster.decisions.get(2)).last().satisfies(d -> assertThat(d.epoch()).isEqualTo(1));
        for (int id : List.of(0, 3, 4)) {
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(decided);
        }
    }

    @Test
    void removingAMemberBeforeTheLeaderInTheRotationKeepsTheLeaderOfTheRunningRegency() throws Exception {
        // Members [0, 1, 2, 3, 4] without replica 0 in list order would make replica 2 the leader of
        // regency 1; the batch that decides the change names regency 1, so the new view keeps replica 1.
        Cluster cluster = inRegencyOneAfterRemoving(0);
        for (int id : List.of(1, 2, 3, 4)) {
            assertThat(cluster.cores.get(id).viewInForce().members()).containsExactlyInAnyOrder(1, 2, 3, 4);
            assertThat(cluster.cores.get(id).regency()).isEqualTo(1);
            assertThat(cluster.cores.get(id).leader()).isEqualTo(1);
            assertThat(cluster.cores.get(id).counters().get(Counter.LEADER_HANDED_OVER)).isZero();
        }
        assertThat(cluster.sent).noneMatch(m -> m.message() instanceof Stop);
        assertThat(cluster.decisions.get(2)).last().satisfies(d -> assertThat(d.epoch()).isEqualTo(1));
        assertThat(cluster.cores.get(2).lastDecided()).isEqualTo(cluster.cores.get(1).lastDecided());
    }

    @Test
    void aReplacedKeySignsFromTheViewThatNamesItAndTheOldOneNoLonger() throws Exception {
        java.security.KeyPair rotated = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Bytes newKey = Bytes.copyOf(rotated.getPublic().getEncoded());
        // Replica 2 holds both keys and signs with the one its view in force names.
        for (boolean holdsNewKey : List.of(true, false)) {
            Cluster cluster = cluster(Mode.BFT, 4, 1);
            io.phalanx.core.crypto.Signer old = cluster.keys.replica(2);
            io.phalanx.core.crypto.Signer fresh = io.phalanx.core.crypto.Ed25519.signer(rotated.getPrivate());
            cluster.withKeyRing(2, (view, id) -> holdsNewKey && newKey.equals(view.publicKeys().get(id)) ? fresh : old);
            cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Replace(2, newKey, new io.phalanx.core.view.Addresses("h2:1", "h2:2"))));
            cluster.deliverAll();
            decideOneByOne(cluster, 1, 1, WINDOW, 1);
            assertThat(cluster.cores.get(2).viewInForce().publicKeys()).containsEntry(2, newKey);
            // With replica 3 cut off, every decision needs replica 2's ACCEPT, checked under its new key.
            cluster.isolated.add(3);
            long before = cluster.cores.get(0).lastDecided();
            for (int sequence = 1 + WINDOW; sequence < 4 + WINDOW; sequence++) {
                cluster.clientSends(op(1, sequence, 1));
                cluster.runFor(100);
            }
            if (holdsNewKey) {
                assertThat(cluster.cores.get(0).lastDecided()).isEqualTo(before + 3);
                assertThat(cluster.cores.get(2).counters().get(Counter.OWN_KEY_ROTATED)).isEqualTo(1);
            } else {
                assertThat(cluster.cores.get(0).lastDecided()).as("the old key's ACCEPTs count no more").isEqualTo(before);
            }
        }
    }

    @Test
    void aReplicaRestartedWithoutMemoryLearnsTheViewsFromTheCheckpoint() throws Exception {
        Cluster cluster = new Cluster(Mode.BFT, 5, 1, RequestVerifier.ACCEPT_ALL,
                c -> Cluster.smallLogs(c).adminClientId(ADMIN).instanceWindowMax(WINDOW)).executing();
        cluster.clientSends(admin(cluster, 1, 0, new ViewChange.Remove(4)));
        cluster.deliverAll();
        decideOneByOne(cluster, 1, 1, 20, 1); // past several checkpoints and the decision log
        cluster.restart(2);
        cluster.runFor(3 * TIMEOUT_MS);
        for (int sequence = 21; sequence < 21 + WINDOW + 2; sequence++) {
            // Until it votes again, the others wait out the wait for its ACCEPT at every instance.
            cluster.clientSends(op(1, sequence, 1));
            cluster.runFor(TIMEOUT_MS);
        }
        ReplicaCore restarted = cluster.cores.get(2);
        assertThat(restarted.recovering()).isFalse();
        assertThat(restarted.viewInForce().members()).containsExactly(0, 1, 2, 3);
        assertThat(restarted.lastDecided()).isEqualTo(cluster.cores.get(0).lastDecided());
        List<Decision> mine = cluster.decisions.get(2);
        assertThat(mine).isNotEmpty();
    }
}
