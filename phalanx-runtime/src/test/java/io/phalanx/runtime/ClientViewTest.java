package io.phalanx.runtime;

import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterSection;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A client built for an older view than the replicas' hears which view they are in, at once. */
class ClientViewTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void aClientOfAnOlderViewGetsAnErrorNamingTheReplicasViewAndTheCallIsNotOrdered() throws Exception {
        try (LocalCluster cluster = LocalCluster.startInView(3, 4, 1, 2)) {
            ClusterConfig file = cluster.config;
            ClusterConfig olderFile = new ClusterConfig(new ClusterSection(2, file.cluster().mode(), file.cluster().f(),
                    file.cluster().clientSignatures()), file.replicas(), file.clients(), file.timeouts(), file.batch(),
                    file.limits(), file.durability());
            try (Client outdated = Client.builder().config(olderFile).id(1000).identity(cluster.clientIdentities.get(1000L))
                    .callTimeout(CALL_TIMEOUT).build()) {
                long startNs = System.nanoTime();
                assertThatThrownBy(() -> outdated.invoke(op(new KvOperation.Incr("calls", 1))))
                        .isExactlyInstanceOf(PhalanxException.class)
                        .hasMessageContaining("a quorum of replicas are in view 3")
                        .hasMessageContaining("made for view 2")
                        .hasMessageContaining("not ordered");
                assertThat(Duration.ofNanos(System.nanoTime() - startNs)).isLessThan(CALL_TIMEOUT);
                assertThat(outdated.stats().refused()).isEqualTo(1);
            }
            Client current = cluster.client(1001);
            assertThat(counter(current.invoke(op(new KvOperation.Incr("calls", 1))))).as("the refused call did not run")
                    .isEqualTo(1L);
            assertThat(cluster.replicas[0].status().counters().get(io.phalanx.core.replica.Counter.REQUEST_WRONG_VIEW))
                    .isPositive();
        }
    }
}
