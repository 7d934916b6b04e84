package io.phalanx.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas as separate OS processes under load from several clients, killed with SIGKILL and
 * restarted at once with the same command, paused with SIGSTOP, or restarted on a damaged or
 * wiped data directory: each comes back and votes again, and no acknowledged increment is lost
 * or applied twice. With durability sync (the default) a restarted process resumes from its log
 * and votes at once; with a damaged log or a wiped directory, or with durability none, it gets
 * what it lacks by state transfer and catch-up from its peers before it votes.
 */
class ProcessRecoveryTest {
    private static final long REQUEST_TIMEOUT_MS = 1_000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void theLeaderAFollowerAndTheCurrentLeaderRestartedAtOnceVoteAgainWithinTenSeconds(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(300, Duration.ofSeconds(60));

            // The leader of regency 0 dies and comes straight back: from its log it may be back
            // before its followers time out (it then leads on), or they move on to regency 1.
            restartAtOnce(cluster, 0);
            load.awaitProgress(200, Duration.ofSeconds(30));
            // A follower of the regency now running.
            int follower = (cluster.status(1).regency() + 2) % 4;
            restartAtOnce(cluster, follower);
            load.awaitProgress(200, Duration.ofSeconds(30));
            // The current leader.
            int leader = cluster.clusterRegency() % 4;
            restartAtOnce(cluster, leader);
            load.awaitProgress(200, Duration.ofSeconds(30));

            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertExactlyOnce(load);
        }
    }

    @Test
    void aFollowerPausedForThirtySecondsCatchesUp(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(300, Duration.ofSeconds(60));
            cluster.pause(3);
            Thread.sleep(30_000); // far more decisions than the 1,024 the peers keep in their logs
            load.awaitProgress(100, Duration.ofSeconds(10));
            int lines = cluster.statusLines(3);
            cluster.resume(3);
            Duration back = cluster.awaitVoting(3, lines, Duration.ofSeconds(30));
            load.awaitProgress(200, Duration.ofSeconds(30));

            assertThat(cluster.log(3)).contains("state transfer of checkpoint");
            System.out.printf("paused follower voting again %d ms after SIGCONT%n", back.toMillis());
            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertExactlyOnce(load);
        }
    }

    @Test
    void theLeaderKilledFiveSecondsAfterAnotherReplicaRestartedIsReplacedInTime(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(300, Duration.ofSeconds(60));
            cluster.kill(2);
            cluster.start(2);
            Thread.sleep(5_000);
            long killedAt = System.nanoTime();
            cluster.kill(0); // the leader: service now needs replica 2's votes
            load.awaitProgress(50, Duration.ofMillis(2 * REQUEST_TIMEOUT_MS + 5_000));
            System.out.printf("service resumed %d ms after the leader was killed%n",
                    (load.lastSuccessNanos.get() - killedAt) / 1_000_000);

            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertExactlyOnce(load);
        }
    }

    @Test
    void everyReplicaKilledAtOnceUnderLoadLosesNoAcknowledgedWrite(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(1_000, Duration.ofSeconds(60));
            for (int id = 0; id < cluster.size(); id++) {
                cluster.kill(id); // every replica at once, the clients still calling
            }
            long acknowledgedAtCrash = load.acknowledged.get();
            for (int id = 0; id < cluster.size(); id++) {
                cluster.start(id);
            }
            // The clients' calls in flight are retransmitted and answered: the cluster resumes
            // from the replicas' logs, sessions and all.
            load.awaitProgress(500, Duration.ofSeconds(60));
            load.stop(CALL_TIMEOUT.plusSeconds(5));
            for (int id = 0; id < cluster.size(); id++) {
                assertThat(cluster.log(id)).contains("with every vote it cast");
            }
            assertThat(load.counter()).isGreaterThanOrEqualTo(acknowledgedAtCrash);
            assertExactlyOnce(load);
        }
    }

    @Test
    void crashTolerantReplicasLoggingAsynchronouslyKilledAtOnceUnderLoadServeAgain(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 3, REQUEST_TIMEOUT_MS, "async",
                io.phalanx.runtime.config.Mode.CFT);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(1_000, Duration.ofSeconds(60));
            // Acknowledged ten sync intervals (100 ms each) before the crash: on disk by then.
            long synced = load.acknowledged.get();
            Thread.sleep(1_000);
            for (int id = 0; id < cluster.size(); id++) {
                cluster.kill(id); // every replica at once: more than f, so the last writes may be lost
            }
            long acknowledgedAtCrash = load.acknowledged.get();
            for (int id = 0; id < cluster.size(); id++) {
                cluster.start(id);
            }
            // No replica knows it holds every vote it cast, so all three restart recovering and,
            // none able to settle its lost votes without the others, settle them together with
            // one leader change.
            load.awaitProgress(500, Duration.ofMillis(4 * REQUEST_TIMEOUT_MS + 30_000));
            load.stop(CALL_TIMEOUT.plusSeconds(5));
            for (int id = 0; id < cluster.size(); id++) {
                assertThat(cluster.log(id)).contains("RECOVERING").contains("recovered at consensus id");
            }
            // What was synced is there; what was acknowledged in the last interval before the
            // crash may be lost (docs/CONFIG.md, durability async); nothing ran twice.
            long counter = load.counter();
            assertThat(counter).isGreaterThanOrEqualTo(synced)
                    .isLessThanOrEqualTo(load.acknowledged.get() + load.failed.get());
            System.out.printf("async CFT restart of every replica: %d of %d increments acknowledged at the crash kept%n",
                    counter - (load.acknowledged.get() - acknowledgedAtCrash), acknowledgedAtCrash);
        }
    }

    @Test
    void withoutDurabilityClientsRunningWhileEveryReplicaRestartsFailTheirCallsClearlyAndGoOnInANewSession(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Duration callTimeout = Duration.ofSeconds(15);
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS, "none");
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, callTimeout)) {
            load.awaitProgress(2_000, Duration.ofSeconds(60)); // every client is well past its first window
            int[] lines = new int[cluster.size()];
            long failedBefore = load.failed.get();
            long startNs = System.nanoTime();
            for (int id = 0; id < cluster.size(); id++) {
                cluster.kill(id); // every replica at once: with durability none nothing survives
            }
            for (int id = 0; id < cluster.size(); id++) {
                lines[id] = cluster.statusLines(id);
                cluster.start(id);
            }
            for (int id = 0; id < cluster.size(); id++) {
                cluster.awaitStatus(id, lines[id], Duration.ofSeconds(30)); // up again, with nothing kept
            }
            // The 16 calls in flight (4 clients, 4 each) end within the call timeout in a clear
            // refusal, whose outcome is unknown: the new replicas do not know their sessions.
            load.awaitFailures(failedBefore + 16, callTimeout.plusSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(callTimeout.plusSeconds(35));
            // The first refused call of each client says it goes on in a new session; the others
            // in flight were of the session it left.
            assertThat(load.failuresSince((int) failedBefore)).hasSize(16)
                    .allSatisfy(e -> assertThat(e.getMessage()).containsAnyOf("do not know session",
                            "after the replicas forgot it"))
                    .filteredOn(e -> e.getMessage().contains("Later calls go in session")).hasSize(4);
            // The same clients go on in new sessions, once a leader change has replaced the leader
            // that cannot propose before its lost votes are settled (every replica restarted).
            load.awaitProgress(100, Duration.ofMillis(4 * REQUEST_TIMEOUT_MS + 10_000));
            assertThat(load.failed.get()).isEqualTo(failedBefore + 16);
            load.stop(callTimeout.plusSeconds(5));
            // A client started now is served too.
            try (ProcessReplicas.Load fresh = new ProcessReplicas.Load(cluster.config, "fresh", 1, 2, callTimeout, 1006)) {
                fresh.awaitProgress(50, Duration.ofMillis(4 * REQUEST_TIMEOUT_MS + 10_000));
                fresh.stop(callTimeout);
            }
        }
    }

    @Test
    void aTornWriteAndAFlippedByteAreRecoveredTheSecondByRepairFromPeers(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(500, Duration.ofSeconds(60));

            // A torn write at the end of the log (a record's header and the start of its payload
            // reached the disk, the rest did not): it is cut at start, and since it was never
            // synced, the replica restores with every vote it cast and votes at once.
            cluster.kill(1);
            Path segment = lastSegment(cluster.dataDirectory(1));
            try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer torn = ByteBuffer.allocate(8 + 100);
                torn.putInt(4_096).putInt(0x1234_5678).rewind(); // a 4 KiB record, 100 bytes of it written
                file.write(torn);
            }
            int lines = cluster.statusLines(1);
            cluster.start(1);
            Duration back = cluster.awaitVoting(1, lines, Duration.ofSeconds(30));
            assertThat(cluster.log(1)).contains("cut a torn write at the end of the log").contains("with every vote it cast");
            System.out.printf("replica 1 voting again %d ms after a torn write was cut from its log%n", back.toMillis());
            load.awaitProgress(200, Duration.ofSeconds(30));

            // A byte flipped in the middle: the replica refuses to start, naming file and offset...
            cluster.kill(2);
            segment = lastSegment(cluster.dataDirectory(2));
            long offset;
            try (FileChannel file = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                offset = file.size() / 2;
                ByteBuffer one = ByteBuffer.allocate(1);
                file.read(one, offset);
                one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
                file.write(one, offset);
            }
            cluster.start(2);
            assertThat(cluster.awaitExit(2, Duration.ofSeconds(30))).isNotZero();
            assertThat(cluster.log(2)).contains("corrupt log file " + segment.getFileName()).contains("--repair-from-peers");
            // ...and repaired from its peers, it recovers before it votes.
            lines = cluster.statusLines(2);
            cluster.start(2, "--repair-from-peers");
            back = cluster.awaitVoting(2, lines, Duration.ofSeconds(30));
            System.out.printf("replica 2 voting again %d ms after its repair%n", back.toMillis());
            load.awaitProgress(200, Duration.ofSeconds(30));

            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertExactlyOnce(load);
        }
    }

    @Test
    void aReplicaWhoseDataDirectoryIsWipedRecoversFromItsPeersBeforeItVotes(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(500, Duration.ofSeconds(60));
            cluster.kill(3);
            deleteTree(cluster.dataDirectory(3));
            int lines = cluster.statusLines(3);
            cluster.start(3);
            Duration back = cluster.awaitVoting(3, lines, Duration.ofSeconds(30));
            // It started recovering (it did not vote), and voted again only once it had caught up.
            String restarted = cluster.log(3).substring(cluster.log(3).lastIndexOf("first start in its data directory"));
            assertThat(restarted).containsPattern("recovered at consensus id [1-9]\\d*: voting again");
            System.out.printf("wiped replica voting again %d ms after its restart%n", back.toMillis());
            load.awaitProgress(200, Duration.ofSeconds(30));
            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertExactlyOnce(load);
        }
    }

    private static Path lastSegment(Path dataDirectory) throws IOException {
        try (Stream<Path> files = Files.list(dataDirectory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).max(Comparator.naturalOrder())
                    .orElseThrow(() -> new AssertionError("no log segment in " + dataDirectory));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** Kills replica {@code id} and starts it again at once; it must vote again within 10 s. */
    private static void restartAtOnce(ProcessReplicas cluster, int id) throws Exception {
        cluster.kill(id);
        int lines = cluster.statusLines(id);
        cluster.start(id);
        Duration back = cluster.awaitVoting(id, lines, Duration.ofSeconds(10));
        System.out.printf("replica %d voting again %d ms after its restart%n", id, back.toMillis());
    }

    /** Every acknowledged increment is in the counter once; failed calls (outcome unknown) at most once. */
    private static void assertExactlyOnce(ProcessReplicas.Load load) {
        long counter = load.counter();
        assertThat(counter).isBetween(load.acknowledged.get(), load.acknowledged.get() + load.failed.get());
        assertThat(load.failed.get()).as("calls that failed: %s", load.failures).isZero();
    }
}
