package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.ConsensusMessage;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas that log every step before its messages leave (durability sync) and restart from
 * their disks ({@link ReplicaCore.Start#RESTORED}): they resume where the log ends, vote again at
 * once, and never cast a vote that contradicts one they cast before the restart.
 */
class DurableRestartTest {
    private static Cluster cluster(Mode mode) throws Exception {
        int n = mode == Mode.BFT ? 4 : 3;
        return new Cluster(mode, n, 1, RequestVerifier.ACCEPT_ALL, Cluster::smallLogs).executing().durable();
    }

    private int sequence;

    private void decide(Cluster cluster, int count) {
        for (int i = 0; i < count; i++) {
            cluster.clientSends(Cluster.request(1, ++sequence));
            cluster.runFor(200);
        }
    }

    private static void assertSameState(Cluster cluster, int replica, int reference) {
        assertThat(cluster.cores.get(replica).lastDecided()).isEqualTo(cluster.cores.get(reference).lastDecided());
        assertThat(cluster.executors.get(replica).lastExecuted()).isEqualTo(cluster.executors.get(reference).lastExecuted());
        assertThat(cluster.services.get(replica).snapshot()).isEqualTo(cluster.services.get(reference).snapshot());
    }

    /** No replica sent two different votes (or proposals) of one kind for one instance and epoch. */
    private static void assertNoEquivocation(Cluster cluster) {
        Map<String, Digest> votes = new HashMap<>();
        for (Cluster.InFlight m : cluster.sent) {
            if (m.message() instanceof ConsensusMessage c) {
                Digest digest = c instanceof Propose p ? io.phalanx.core.crypto.Digests.ofBatch(p.batch())
                        : c instanceof Write w ? w.batchDigest() : c instanceof Accept a ? a.batchDigest() : null;
                if (digest != null) {
                    String key = m.from() + "/" + c.getClass().getSimpleName() + "/" + c.consensusId() + "/" + c.epoch();
                    Digest earlier = votes.putIfAbsent(key, digest);
                    assertThat(earlier == null || earlier.equals(digest)).as("%s voted twice: %s and %s", key, earlier, digest)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aFollowerRestartedFromItsLogResumesWhereItStoppedAndVotesAtOnce() throws Exception {
        Cluster cluster = cluster(Mode.BFT);
        decide(cluster, 11); // past two checkpoints: the log was truncated behind them
        cluster.restartFromDisk(2);

        assertThat(cluster.cores.get(2).recovering()).isFalse();
        assertSameState(cluster, 2, 1);
        int restartedAt = cluster.sent.size();
        decide(cluster, 3);
        assertThat(cluster.sent.subList(restartedAt, cluster.sent.size()))
                .anyMatch(m -> m.from() == 2 && m.message() instanceof Accept);
        assertSameState(cluster, 2, 1);
        assertNoEquivocation(cluster);
    }

    @Test
    void aFollowerRestartedIntoAnIdleClusterAsksWhatItMissedAndCatchesUp() throws Exception {
        Cluster cluster = cluster(Mode.BFT);
        decide(cluster, 3);
        cluster.isolated.add(2); // down: the others decide without it
        decide(cluster, 3);
        cluster.isolated.clear();
        cluster.restartFromDisk(2);
        assertThat(cluster.cores.get(2).lastDecided()).isLessThan(cluster.cores.get(1).lastDecided());

        cluster.runFor(2_000); // no request comes: no vote would show it that it is behind
        assertThat(cluster.sent).anyMatch(m -> m.from() == 2 && m.message() instanceof io.phalanx.core.message.StateQuery);
        assertSameState(cluster, 2, 1);
        assertThat(cluster.cores.get(2).recovering()).isFalse();
    }

    @Test
    void aLeaderRestartedMidInstanceProposesNoOtherValueInThatRegency() throws Exception {
        Cluster cluster = cluster(Mode.BFT);
        decide(cluster, 5);
        // The leader proposes and writes; the ACCEPTs are lost, so the instance stays open.
        cluster.lost = m -> m.message() instanceof Accept;
        cluster.clientSends(Cluster.request(1, ++sequence));
        cluster.deliverAll();
        cluster.lost = m -> false;
        cluster.restartFromDisk(0);
        cluster.clientSends(Cluster.request(2, 1)); // a request it could put in a second value
        cluster.runFor(10_000);

        assertNoEquivocation(cluster);
        decide(cluster, 3);
        for (int id = 1; id < 4; id++) {
            assertSameState(cluster, 0, id);
        }
        assertThat(cluster.services.get(0).executed).hasSize(sequence + 1);
    }

    @Test
    void everyReplicaRestartedAtOnceMidInstanceLosesNothingDecided() throws Exception {
        for (Mode mode : List.of(Mode.BFT, Mode.CFT)) {
            sequence = 0;
            Cluster cluster = cluster(mode);
            decide(cluster, 9);
            cluster.lost = m -> m.message() instanceof Accept;
            cluster.clientSends(Cluster.request(1, ++sequence));
            cluster.deliverAll();
            cluster.lost = m -> false;
            long decided = cluster.cores.get(1).lastDecided();
            for (int id = 0; id < cluster.cores.size(); id++) {
                cluster.restartFromDisk(id);
            }
            assertThat(cluster.cores.get(1).lastDecided()).isEqualTo(decided);
            cluster.clientSends(Cluster.request(1, sequence)); // the client retransmits
            cluster.runFor(10_000);
            decide(cluster, 2);
            cluster.runFor(10_000); // the restarted leader proposes nothing new in its regency: a leader change

            assertNoEquivocation(cluster);
            for (int id = 1; id < cluster.cores.size(); id++) {
                assertSameState(cluster, 0, id);
            }
            assertThat(cluster.services.get(0).executed).as(mode.name()).hasSize(sequence);
        }
    }

    @Test
    void aRestartAfterALeaderChangeKeepsTheRegencyAndItsSync() throws Exception {
        Cluster cluster = cluster(Mode.BFT);
        decide(cluster, 3);
        int leader = cluster.cores.get(1).leader();
        cluster.isolated.add(leader);
        cluster.clientSends(Cluster.request(2, 1));
        for (int i = 0; i < 400 && cluster.cores.get((leader + 1) % 4).regency() == 0; i++) {
            cluster.runFor(100);
        }
        cluster.isolated.remove(leader);
        cluster.runFor(3_000);
        int regency = cluster.cores.get(1).regency();
        assertThat(regency).isPositive();
        int newLeader = cluster.cores.get(1).leader();
        cluster.restartFromDisk(newLeader);

        assertThat(cluster.cores.get(newLeader).regency()).isEqualTo(regency);
        assertThat(cluster.cores.get(newLeader).active()).isTrue();
        cluster.clientSends(Cluster.request(3, 1));
        cluster.runFor(10_000);
        decide(cluster, 3);
        // A restarted leader proposes nothing new in its regency: the next leader takes over.
        assertThat(cluster.cores.get(newLeader).counters().get(Counter.PROPOSAL_WITHHELD)).isPositive();
        assertThat(cluster.cores.get(1).regency()).isGreaterThan(regency);
        assertSameState(cluster, newLeader, 1);
        assertNoEquivocation(cluster);
    }

    /**
     * A PROPOSE leaves before the leader's own vote is durable. A leader that crashes before its
     * fsync restarts without a record of that proposal, so in that regency it must propose no
     * other value: it waits for the next leader, who recovers the first one if it was chosen.
     */
    @Test
    void aLeaderThatCrashedBeforeItsProposalWasDurableProposesNoOtherValueInThatRegency() throws Exception {
        for (Mode mode : List.of(Mode.BFT, Mode.CFT)) {
            sequence = 0;
            int n = mode == Mode.BFT ? 4 : 3;
            Cluster cluster = new Cluster(mode, n, 1, RequestVerifier.ACCEPT_ALL,
                    c -> Cluster.smallLogs(c).sendsAwaitPersistence(true)).executing().durable();
            decide(cluster, 3);
            int leader = cluster.cores.get(1).leader();
            cluster.unsynced.add(leader);
            cluster.lost = m -> m.from() == leader && m.to() != 1; // its PROPOSE reaches replica 1 only
            cluster.clientSends(Cluster.request(1, ++sequence));
            cluster.deliverAll();
            assertThat(cluster.sent).as(mode.name()).anyMatch(m -> m.from() == leader && m.message() instanceof Propose p
                    && p.consensusId() == 3);
            cluster.lost = m -> false;
            cluster.restartFromDisk(leader);
            cluster.clientSends(Cluster.request(2, 1)); // a request it could put in a second value
            cluster.runFor(10_000);
            decide(cluster, 2);

            assertNoEquivocation(cluster);
            assertThat(cluster.cores.get(leader).counters().get(Counter.PROPOSAL_WITHHELD)).as(mode.name()).isPositive();
            for (int id = 0; id < n; id++) {
                assertSameState(cluster, id, (leader + 1) % n);
            }
            assertThat(cluster.services.get(leader).executed).as(mode.name()).hasSize(sequence + 1);
        }
    }

    /**
     * A decision counts this replica's own ACCEPT before it is durable; every other ACCEPT left
     * its sender durable. So the replies wait for the replica's own ACCEPT: here the leader
     * decides with its own ACCEPT (never synced) and its follower's, and had it replied, a crash
     * of every replica would lose what it acknowledged: the value comes back from nobody's
     * disk but the follower's, and a quorum without the follower decides another.
     */
    @Test
    void repliesWaitForTheReplicasOwnAcceptToBeDurable() throws Exception {
        Cluster cluster = new Cluster(Mode.CFT, 3, 1, RequestVerifier.ACCEPT_ALL,
                c -> Cluster.smallLogs(c).sendsAwaitPersistence(true)).executing().durable();
        decide(cluster, 3);
        int leader = cluster.cores.get(1).leader();
        int follower = (leader + 1) % 3;
        int other = (leader + 2) % 3;
        cluster.isolated.add(other);
        cluster.unsynced.add(leader);
        cluster.clientSends(Cluster.request(1, ++sequence));
        cluster.deliverAll();
        long open = cluster.cores.get(follower).lastDecided() + 1;
        assertThat(cluster.cores.get(leader).lastDecided()).isEqualTo(open);
        Digest acknowledgeable = cluster.decisions.get(leader).get(cluster.decisions.get(leader).size() - 1).digest();

        long awaits = cluster.repliesAwait.get(leader).get(open);
        assertThat(awaits).as("the replies of a decision that counted the leader's own ACCEPT").isPositive()
                .isGreaterThan(cluster.durableUpTo.getOrDefault(leader, 0L));

        for (int id = 0; id < 3; id++) {
            cluster.restartFromDisk(id);
        }
        cluster.isolated.clear();
        cluster.isolated.add(follower);
        cluster.clientSends(Cluster.request(2, 1));
        cluster.runFor(30_000);
        Decision redecided = cluster.decisions.get(other).stream().filter(d -> d.consensusId() == open).findFirst()
                .orElseThrow();
        assertThat(redecided.digest()).as("instance %d decided again without the follower", open).isNotEqualTo(acknowledgeable);
    }

    @Test
    void aCoreThatHoldsSendsUntilPersistedSendsNoVoteBeforeItsRecordsAreDurableAndStillDecides() {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL, c -> c.sendsAwaitPersistence(true));
        for (int sequence = 1; sequence <= 5; sequence++) {
            cluster.clientSends(Cluster.request(1, sequence));
            cluster.runFor(200);
        }

        for (int id = 0; id < 4; id++) {
            assertThat(cluster.cores.get(id).lastDecided()).as("replica %d", id).isEqualTo(4);
        }
        // Only PROPOSEs, which record no vote, leave before their step's records are durable.
        assertThat(cluster.unpersistedSteps).isNotEmpty()
                .allSatisfy(output -> assertThat(output.sends()).as("sends of a step whose records are not durable yet")
                        .allMatch(send -> send.message() instanceof Propose));
        assertThat(cluster.unpersistedSteps).anySatisfy(output -> assertThat(output.hardState()).isPresent());
        assertThat(cluster.unpersistedSteps).anySatisfy(output -> assertThat(output.sends()).isNotEmpty());
    }
}
