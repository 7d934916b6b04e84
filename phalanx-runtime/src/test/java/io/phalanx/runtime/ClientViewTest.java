package io.phalanx.runtime;

import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterSection;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;

/** A client built for an older view than the replicas' learns their view from their refusals, at once. */
class ClientViewTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void aClientOfAnOlderViewAdoptsTheReplicasViewAndItsCallRunsOnce() throws Exception {
        try (LocalCluster cluster = LocalCluster.startInView(3, 4, 1, 2)) {
            ClusterConfig file = cluster.config;
            ClusterConfig olderFile = new ClusterConfig(new ClusterSection(2, file.cluster().mode(), file.cluster().f(),
                    file.cluster().clientSignatures()), file.replicas(), file.clients(), file.timeouts(), file.batch(),
                    file.limits(), file.durability());
            try (Client outdated = Client.builder().config(olderFile).id(1000).identity(cluster.clientIdentities.get(1000L))
                    .callTimeout(CALL_TIMEOUT).build()) {
                assertThat(outdated.stats().viewId()).isEqualTo(2);
                long startNs = System.nanoTime();
                assertThat(counter(outdated.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(1L);
                // Refused as outdated by f+1 replicas naming view 3, it adopted view 3 and sent the
                // request again with the same sequence number, without waiting for a timeout.
                assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(CALL_TIMEOUT);
                assertThat(outdated.stats().viewId()).isEqualTo(3);
                assertThat(outdated.stats().refused()).isZero();
                assertThat(counter(outdated.invoke(op(new KvOperation.Incr("calls", 1))))).isEqualTo(2L);
            }
            Client current = cluster.client(1001);
            assertThat(counter(current.invoke(op(new KvOperation.Incr("calls", 1))))).as("each call ran once")
                    .isEqualTo(3L);
            assertThat(cluster.replicas[0].status().counters().get(io.phalanx.core.replica.Counter.REQUEST_WRONG_VIEW))
                    .isPositive();
        }
    }
}
