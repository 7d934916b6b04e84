package io.phalanx.core.replica;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ConsensusMessage;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.Mode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkpoints, state transfer and recovery, step by step: a replica that lost its memory, or fell
 * further behind than its peers' decision logs reach, comes back with the same state and votes
 * again, and one that lost its memory casts no vote before it has caught up.
 */
class StateTransferTest {
    private static Cluster cluster(Mode mode, int n, int f) {
        return new Cluster(mode, n, f, RequestVerifier.ACCEPT_ALL, Cluster::smallLogs).executing();
    }

    private int sequence;

    /** One request of client 1 at a time, each decided before the next. */
    private void decide(Cluster cluster, int count) {
        for (int i = 0; i < count; i++) {
            cluster.clientSends(Cluster.request(1, ++sequence));
            cluster.runFor(200);
        }
    }

    /** Isolates the leader until the others have installed the next regency, then heals. */
    private static void replaceLeader(Cluster cluster) {
        int leader = cluster.cores.get(1).leader();
        int regency = cluster.cores.get(1 + (leader == 1 ? 1 : 0)).regency();
        cluster.isolated.add(leader);
        cluster.clientSends(Cluster.request(2, 1));
        for (int i = 0; i < 400 && cluster.cores.get((leader + 1) % cluster.cores.size()).regency() == regency; i++) {
            cluster.runFor(100);
        }
        cluster.isolated.remove(leader);
        cluster.runFor(3_000);
        assertThat(cluster.cores.get((leader + 1) % cluster.cores.size()).regency()).isGreaterThan(regency);
    }

    /**
     * Restarts replica {@code id} while a request is being voted on: every replica ACCEPTed it,
     * none decided it yet.
     */
    private void restartMidInstance(Cluster cluster, int id) {
        cluster.lost = m -> m.message() instanceof Accept;
        cluster.clientSends(Cluster.request(1, ++sequence));
        cluster.deliverAll();
        cluster.lost = m -> false;
        cluster.restart(id);
    }

    private static boolean sentAfter(Cluster cluster, int from, int index, Class<? extends ReplicaMessage> type) {
        return cluster.sent.subList(index, cluster.sent.size()).stream()
                .anyMatch(m -> m.from() == from && type.isInstance(m.message()));
    }

    private static void assertSameState(Cluster cluster, int replica, int reference) {
        assertThat(cluster.cores.get(replica).lastDecided()).isEqualTo(cluster.cores.get(reference).lastDecided());
        assertThat(cluster.executors.get(replica).lastExecuted()).isEqualTo(cluster.executors.get(reference).lastExecuted());
        assertThat(cluster.services.get(replica).snapshot()).isEqualTo(cluster.services.get(reference).snapshot());
    }

    @Test
    void aReplicaRestartedAfterALeaderChangeAndBeyondTheLogGetsACheckpointAndVotesAgain() {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        decide(cluster, 12);
        replaceLeader(cluster);
        decide(cluster, 20); // far beyond the 8 decisions the logs keep

        cluster.restart(3);
        decide(cluster, 12);
        // It may have voted in the instances a window beyond what it had decided: it votes
        // again once the others have decided past those.
        int votingFrom = cluster.sent.size();
        decide(cluster, ReplicaConfig.INSTANCE_WINDOW_DEFAULT + 4);
        cluster.runFor(1_000);

        ReplicaCore restarted = cluster.cores.get(3);
        assertThat(restarted.counters().get(Counter.CHECKPOINT_INSTALLED)).isGreaterThanOrEqualTo(1);
        assertThat(restarted.recovering()).isFalse();
        assertThat(restarted.regency()).isEqualTo(cluster.cores.get(1).regency());
        assertSameState(cluster, 3, 1);
        assertThat(sentAfter(cluster, 3, votingFrom, Write.class)).as("votes again").isTrue();
        // The service state it restored counts every request once: client 1's and client 2's one.
        assertThat(cluster.services.get(3).executed).hasSize(sequence + 1);
    }

    @Test
    void aReplicaThatLostItsMemoryCastsNoVoteBeforeItCaughtUp() {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        decide(cluster, 10);
        restartMidInstance(cluster, 2);
        cluster.runFor(2_000);

        ReplicaCore restarted = cluster.cores.get(2);
        assertThat(restarted.recoveryTarget()).isEqualTo(9); // what the others had decided
        assertSameState(cluster, 2, 0);
        assertThat(restarted.lastDecided()).isEqualTo(10);
        // Caught up, but it may have voted up to a window beyond instance 10: it waits for those.
        assertThat(restarted.recovering()).isTrue();
        assertThat(restarted.awaitsLostVotes()).isTrue();

        decide(cluster, ReplicaConfig.INSTANCE_WINDOW_DEFAULT + 2);
        assertThat(restarted.recovering()).isFalse();
        assertThat(cluster.sentWhileRecovering).isEmpty();
        int votingFrom = cluster.sent.size();
        decide(cluster, 2);
        assertThat(sentAfter(cluster, 2, votingFrom, Write.class)).as("votes again").isTrue();
        assertSameState(cluster, 2, 0);
    }

    @Test
    void aRestartedLeaderNeverProposesAgainInTheRegencyItLedAndIsReplaced() {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        decide(cluster, 6);
        restartMidInstance(cluster, 0); // the leader, which proposed the instance
        int restartedAt = cluster.sent.size();
        cluster.clientSends(Cluster.request(1, ++sequence));
        cluster.runFor(10_000); // the others' request timers replace it

        assertThat(cluster.sentWhileRecovering).isEmpty();
        assertThat(cluster.sent.subList(restartedAt, cluster.sent.size()))
                .noneMatch(m -> m.from() == 0 && m.message() instanceof io.phalanx.core.message.Propose p
                        && p.epoch() == 0);
        assertThat(cluster.cores.get(1).regency()).isGreaterThan(0);
        decide(cluster, 4);
        assertSameState(cluster, 0, 1);
        assertThat(cluster.cores.get(0).regency()).isEqualTo(cluster.cores.get(1).regency());
        assertThat(cluster.services.get(0).executed).hasSize(12);
    }

    @Test
    void aPeerThatSendsBadChunksIsDroppedAndTheTransferCompletesFromTheOthers() {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        decide(cluster, 30);
        cluster.tamper = m -> m instanceof Chunk c && c.sender() == 0
                ? new Chunk(0, c.checkpointId(), c.index(), Bytes.utf8("not the chunk")) : m;
        cluster.restart(3);
        decide(cluster, 6);

        ReplicaCore restarted = cluster.cores.get(3);
        assertThat(restarted.counters().get(Counter.CHECKPOINT_INSTALLED)).isGreaterThanOrEqualTo(1);
        assertThat(restarted.counters().get(Counter.BAD_CHUNK)).isGreaterThanOrEqualTo(1);
        assertSameState(cluster, 3, 1);
    }

    @Test
    void aTransferOfACheckpointAlreadyOnDiskFetchesOnlyTheChunksThatDoNotMatch() throws Exception {
        Cluster cluster = new Cluster(Mode.BFT, 4, 1, RequestVerifier.ACCEPT_ALL,
                c -> Cluster.smallLogs(c).batchBytesMax(256)).executing(); // several chunks
        io.phalanx.core.storage.MemoryStorage disk = new io.phalanx.core.storage.MemoryStorage();
        cluster.imageStores.put(3, new io.phalanx.core.storage.StoredImages(disk));
        decide(cluster, 40);
        cluster.restart(3);
        cluster.runFor(3_000);
        // {checkpoint, chunks in, chunks, bytes in, bytes}: bytes follow the chunks, within the image.
        List<long[]> progress = cluster.transferProgress.get(3);
        assertThat(progress).isNotEmpty().anyMatch(p -> p[1] > 0 && p[1] < p[2]).allSatisfy(p -> {
            assertThat(p[1]).isBetween(0L, p[2]);
            assertThat(p[3]).isBetween(0L, p[4]);
            assertThat(p[3] == 0).isEqualTo(p[1] == 0);
        });
        ReplicaCore first = cluster.cores.get(3);
        assertThat(first.counters().get(Counter.CHECKPOINT_INSTALLED)).isEqualTo(1);
        long chunks = first.counters().get(Counter.CHUNK_RECEIVED);
        assertThat(chunks).isGreaterThanOrEqualTo(2);
        String image = disk.list().stream().filter(name -> name.endsWith(".img")).findFirst().orElseThrow();
        byte[] damaged = disk.read(image);
        damaged[damaged.length - 1] ^= 1; // the last chunk no longer matches its digest

        disk.put(image, damaged);
        cluster.restart(3); // before the others take another checkpoint: the same one is transferred again
        cluster.runFor(3_000);

        ReplicaCore second = cluster.cores.get(3);
        assertThat(second.counters().get(Counter.CHECKPOINT_INSTALLED)).isEqualTo(1);
        assertThat(second.counters().get(Counter.CHUNK_RESUMED)).isEqualTo(chunks - 1);
        assertThat(second.counters().get(Counter.CHUNK_RECEIVED)).isEqualTo(1);
        assertSameState(cluster, 3, 1);

        // The whole image on disk, its last chunk short of a full one: installed without a fetch
        // (the resume once cut the file to whole chunks past the image's end, and failed).
        cluster.restart(3);
        cluster.runFor(3_000);

        ReplicaCore third = cluster.cores.get(3);
        assertThat(third.counters().get(Counter.CHECKPOINT_INSTALLED)).isEqualTo(1);
        assertThat(third.counters().get(Counter.CHUNK_RESUMED)).isEqualTo(chunks);
        assertThat(third.counters().get(Counter.CHUNK_FETCH_SENT)).isZero();
        assertSameState(cluster, 3, 1);
    }

    @Test
    void aFollowerCutOffDuringALeaderChangeCatchesUpAndVotesInTheNewRegency() {
        Cluster cluster = cluster(Mode.BFT, 7, 2);
        decide(cluster, 4);
        cluster.isolated.add(6); // paused: keeps its memory, misses the change and many decisions
        replaceLeaderWithout(cluster, 6);
        decide(cluster, 20);
        cluster.isolated.remove(6);
        int backAt = cluster.sent.size();
        decide(cluster, 8);

        assertThat(cluster.cores.get(6).regency()).isEqualTo(cluster.cores.get(1).regency());
        assertSameState(cluster, 6, 1);
        assertThat(sentAfter(cluster, 6, backAt, Write.class)).isTrue();
    }

    @Test
    void cftReplicasTransferStateToo() {
        Cluster cluster = cluster(Mode.CFT, 3, 1);
        decide(cluster, 20);
        cluster.restart(2);
        decide(cluster, 6);
        assertThat(cluster.cores.get(2).counters().get(Counter.CHECKPOINT_INSTALLED)).isGreaterThanOrEqualTo(1);
        assertSameState(cluster, 2, 0);
    }

    @Test
    void aCrashTolerantClusterWhoseEveryReplicaLostItsMemoryServesAgainAfterALeaderChange() {
        Cluster cluster = cluster(Mode.CFT, 3, 1);
        decide(cluster, 5);
        for (int id = 0; id < 3; id++) {
            cluster.restart(id); // durability none: nothing survives
        }
        cluster.clientSends(Cluster.request(1, ++sequence));
        runUntilRecovered(cluster);
        decide(cluster, 3);
        for (int id = 0; id < 3; id++) {
            assertThat(cluster.cores.get(id).recovering()).isFalse();
            assertThat(cluster.cores.get(id).regency()).as("one leader change settles the lost votes").isPositive();
            assertSameState(cluster, id, 0);
        }
        assertThat(cluster.cores.get(0).lastDecided()).as("the cluster started over: four requests since")
                .isBetween(0L, 3L);
    }

    @Test
    void aCrashTolerantMajorityThatLostItsMemoryRecoversWithTheReplicaThatKeptIt() {
        Cluster cluster = cluster(Mode.CFT, 3, 1);
        decide(cluster, 5);
        long decided = cluster.cores.get(0).lastDecided();
        cluster.restart(1);
        cluster.restart(2);
        cluster.clientSends(Cluster.request(1, ++sequence));
        runUntilRecovered(cluster);
        decide(cluster, 3);
        assertThat(cluster.cores.get(0).lastDecided()).as("nothing replica 0 decided was lost").isGreaterThan(decided);
        for (int id = 1; id < 3; id++) {
            assertThat(cluster.cores.get(id).recovering()).isFalse();
            assertSameState(cluster, id, 0);
        }
    }

    @Test
    void aCrashTolerantReplicaThatLostItsMemoryReportsNoVotesWhileAQuorumOfOthersCanDecide() {
        Cluster cluster = cluster(Mode.CFT, 3, 1);
        decide(cluster, 5);
        int index = cluster.sent.size();
        cluster.restart(2);
        replaceLeader(cluster); // replica 0 isolated for a while: 1 and the recovering 2 cannot decide alone
        cluster.clientSends(Cluster.request(1, ++sequence));
        runUntilRecovered(cluster);
        decide(cluster, 3);
        assertThat(sentAfter(cluster, 2, index, StopData.class)).isFalse();
        assertThat(cluster.cores.get(2).recovering()).isFalse();
        assertSameState(cluster, 2, 1);
    }

    /** Runs the cluster until no replica is recovering, for at most a minute. */
    private static void runUntilRecovered(Cluster cluster) {
        for (int i = 0; i < 600 && cluster.cores.stream().anyMatch(ReplicaCore::recovering); i++) {
            cluster.runFor(100);
        }
    }

    /** Replaces the leader (replica 0) while {@code away} is isolated too. */
    private void replaceLeaderWithout(Cluster cluster, int away) {
        cluster.isolated.add(0);
        cluster.clientSends(Cluster.request(2, 1));
        for (int i = 0; i < 400 && cluster.cores.get(1).regency() == 0; i++) {
            cluster.runFor(100);
        }
        cluster.isolated.remove(0);
        cluster.runFor(3_000);
        assertThat(cluster.cores.get(1).regency()).isGreaterThan(0);
        assertThat(cluster.cores.get(away).regency()).isZero();
    }

    @Test
    void aNewClusterOfFirstStartsServesAtOnceWithoutALeaderChange() {
        Cluster cluster = cluster(Mode.BFT, 4, 1);
        for (int id = 0; id < 4; id++) {
            cluster.restart(id, ReplicaCore.Start.FIRST_START); // new data directories
        }
        // The first request reaches the leader before it heard from its peers.
        cluster.step(0, new Input.RequestReceived(Cluster.request(1, ++sequence)));
        cluster.runFor(1_000);
        assertThat(cluster.cores.get(0).lastDecided()).isZero();
        decide(cluster, 5);
        for (int id = 0; id < 4; id++) {
            assertThat(cluster.cores.get(id).recovering()).isFalse();
            assertThat(cluster.cores.get(id).regency()).isZero();
            assertThat(cluster.cores.get(id).pendingRequests()).isZero();
            assertThat(cluster.cores.get(id).lastDecided()).isEqualTo(cluster.cores.get(0).lastDecided());
        }
    }
}
