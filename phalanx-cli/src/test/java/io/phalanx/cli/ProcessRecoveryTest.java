package io.phalanx.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas as separate OS processes under load from several clients, killed with SIGKILL and
 * restarted at once with the same command, or paused with SIGSTOP: each comes back and votes
 * again, and no acknowledged increment is lost or applied twice. A restarted process keeps
 * nothing; it gets the state by state transfer and the decisions after it from its peers.
 */
class ProcessRecoveryTest {
    private static final long REQUEST_TIMEOUT_MS = 1_000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void replicasKilledAndRestartedAtOnceAfterLeaderChangesVoteAgainWithinTenSeconds(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, CALL_TIMEOUT)) {
            load.awaitProgress(300, Duration.ofSeconds(60));

            // The leader of regency 0 dies and comes straight back: the others move on to regency 1.
            restartAtOnce(cluster, 0);
            load.awaitProgress(200, Duration.ofSeconds(30));
            assertThat(cluster.clusterRegency()).isGreaterThanOrEqualTo(1);
            // A follower of the new regency.
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
    void clientsRunningWhileEveryReplicaRestartsContinueOrFailClearlyWithinTheirTimeout(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Duration callTimeout = Duration.ofSeconds(15);
        try (ProcessReplicas cluster = new ProcessReplicas(dir, 4, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 4, 4, callTimeout)) {
            load.awaitProgress(2_000, Duration.ofSeconds(60)); // every client is well past its first window
            int[] lines = new int[cluster.size()];
            for (int id = 0; id < cluster.size(); id++) {
                cluster.kill(id); // every replica at once: nothing survives (there is no durable state yet)
            }
            for (int id = 0; id < cluster.size(); id++) {
                lines[id] = cluster.statusLines(id);
                cluster.start(id);
            }
            for (int id = 0; id < cluster.size(); id++) {
                cluster.awaitStatus(id, lines[id], Duration.ofSeconds(30)); // up again, with nothing kept
            }
            long failedBefore = load.failed.get();
            long startNs = System.nanoTime();
            // Every running client's calls now end, each within the call timeout, in a clear
            // refusal: the new replicas do not know their sessions.
            load.awaitFailures(failedBefore + 16, callTimeout.plusSeconds(5));
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(callTimeout.plusSeconds(5));
            assertThat(load.failuresSince((int) failedBefore))
                    .allSatisfy(e -> assertThat(e).hasMessageContaining("do not know session"));
            load.stop(callTimeout.plusSeconds(5));
            // A client started now is served, once a leader change has replaced the leader that
            // cannot propose before its lost votes are settled (every replica restarted).
            try (ProcessReplicas.Load fresh = new ProcessReplicas.Load(cluster.config, "fresh", 1, 2, callTimeout, 1006)) {
                fresh.awaitProgress(50, Duration.ofMillis(4 * REQUEST_TIMEOUT_MS + 10_000));
                fresh.stop(callTimeout);
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
