package io.phalanx.runtime;

import io.phalanx.kv.KvOperation;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a client hears when the replicas will not order its session: an error that says why, never silence. */
class ClientSessionTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void runsOfOneClientIdOneAfterAnotherAreEachExecutedNotAnsweredFromTheRunBeforesCache() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false)) {
            try (Client warm = client(cluster)) { // connections and JIT, so that each run below is short
                warm.invoke(op(new KvOperation.Incr("warm-up", 1)));
            }
            for (int run = 1; run <= 4; run++) {
                try (Client client = client(cluster)) {
                    // Sessions come from the clock in whole seconds: without close() letting the
                    // second pass, a run in the same second as the one before had its session and
                    // its first request's number, and got the earlier run's reply, unexecuted.
                    assertThat(counter(client.invoke(op(new KvOperation.Incr("runs", 1))))).as("run %d", run)
                            .isEqualTo(run);
                }
            }
        }
    }

    private static Client client(LocalCluster cluster) throws Exception {
        return Client.builder().config(cluster.config).id(1000).identity(cluster.clientIdentities.get(1000L))
                .callTimeout(CALL_TIMEOUT).build();
    }

    @Test
    void aClientRunningWhileEveryReplicaRestartsWithItsStateGoesOnInItsSession() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false);
             Client client = Client.builder().config(cluster.config).id(1000)
                     .identity(cluster.clientIdentities.get(1000L)).callTimeout(CALL_TIMEOUT).build()) {
            // durability sync (the default): each replica resumes from its log
            int windowMax = fillWindowAndRestartEveryReplica(cluster, client);
            assertThat(counter(client.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(windowMax + 1L);
            ReplicaStatus status = cluster.replicas[0].status();
            assertThat(status.log().mode()).isEqualTo("sync");
            assertThat(status.log().bytes()).isPositive();
            assertThat(status.summary()).contains(", log ").contains("(sync, ");
        }
    }

    @Test
    void aClientRunningWhileEveryReplicaRestartsWithoutStateGetsAClearErrorAndGoesOnInANewSession() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false, java.util.Set.of(),
                io.phalanx.runtime.config.Durability.none());
             Client client = Client.builder().config(cluster.config).id(1000)
                     .identity(cluster.clientIdentities.get(1000L)).callTimeout(CALL_TIMEOUT).build()) {
            // durability none: the replicas know nothing of the client's session
            fillWindowAndRestartEveryReplica(cluster, client);
            long startNs = System.nanoTime();
            assertThatThrownBy(() -> client.invoke(op(new KvOperation.Incr("calls", 1))))
                    .isExactlyInstanceOf(PhalanxException.class)
                    .hasMessageContaining("do not know session")
                    .hasMessageContaining("Later calls go in session");
            assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(CALL_TIMEOUT);
            // the replicas' state began empty: the next call is their first increment of "calls"
            assertThat(counter(client.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(1L);
            assertThat(client.stats().sessionsBegun()).isEqualTo(1);
        }
    }

    @Test
    void aCrashTolerantClusterRestartedWithoutStateServesAgainInANewSession() throws Exception {
        try (LocalCluster cluster = LocalCluster.startCft(3, 1, 1, io.phalanx.runtime.config.Durability.none());
             Client client = Client.builder().config(cluster.config).id(1000)
                     .identity(cluster.clientIdentities.get(1000L)).callTimeout(CALL_TIMEOUT).build()) {
            for (int call = 1; call <= 5; call++) {
                client.invoke(op(new KvOperation.Incr("calls", 1)));
            }
            for (int id = 0; id < 3; id++) {
                cluster.replicas[id].close();
            }
            for (int id = 0; id < 3; id++) {
                cluster.startReplica(id);
            }
            // every replica recovering, none with a memory: they start over together
            assertThat(counter(client.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(1L);
        }
    }

    @Test
    void aSessionEndedByAHugeOneFailsWithTheReasonInsteadOfTimingOut() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false)) {
            Client huge = cluster.client(1000, Integer.MAX_VALUE);
            assertThat(counter(huge.invoke(op(new KvOperation.Incr("visits", 1))))).isEqualTo(1L);
            huge.close();
            try (Client normal = Client.builder().config(cluster.config).id(1000)
                    .identity(cluster.clientIdentities.get(1000L)).callTimeout(CALL_TIMEOUT).build()) {
                long startNs = System.nanoTime();
                assertThatThrownBy(() -> normal.invoke(op(new KvOperation.Incr("visits", 1))))
                        .isExactlyInstanceOf(PhalanxException.class)
                        .hasMessageContaining("was superseded by a newer session of the same client id");
                assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(CALL_TIMEOUT);
            }
        }
    }

    /** Makes a whole window of calls (the client's session is past its first), then restarts every replica; the window. */
    private static int fillWindowAndRestartEveryReplica(LocalCluster cluster, Client client) throws Exception {
        int windowMax = CoreSettings.replicaConfig(cluster.config, 0).clientWindowMax();
        for (int call = 1; call <= windowMax; call++) {
            client.invoke(op(new KvOperation.Incr("calls", 1)));
        }
        for (int id = 0; id < 4; id++) {
            cluster.replicas[id].close();
        }
        for (int id = 0; id < 4; id++) {
            cluster.startReplica(id);
        }
        return windowMax;
    }
}
