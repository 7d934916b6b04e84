package io.phalanx.runtime;

import io.phalanx.core.replica.Counter;
import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.Limits;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static io.phalanx.runtime.LocalCluster.counter;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A client whose session the replicas evicted (they keep at most {@code limits.clientsMax}) goes
 * on in a new session: the call they refused fails, and is not run; the calls after it run once.
 */
class ClientSessionRenewalTest {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int CLIENTS_MAX = 2;

    @Test
    void aClientWhoseSessionWasEvictedFailsTheRefusedCallAndGoesOnInANewSession() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 3, false, Set.of(0, 1, 2, 3))) {
            ClusterConfig config = keepingSessions(cluster.config, CLIENTS_MAX);
            for (int id = 0; id < 4; id++) {
                cluster.replicas[id] = Replica.builder().config(config).id(id).identity(cluster.replicaIdentities.get(id))
                        .service(new KeyValueService()).dataDirectory(cluster.dataRoot.resolve("replica-" + id)).start();
            }
            try (Client a = client(cluster, config, 1000); Client b = client(cluster, config, 1001);
                 Client c = client(cluster, config, 1002)) {
                assertThat(counter(a.invoke(op(new KvOperation.Incr("a", 1))))).isEqualTo(1);
                assertThat(counter(b.invoke(op(new KvOperation.Incr("b", 1))))).isEqualTo(1);
                // with room for two sessions, c's first decided request evicts the oldest one, a's
                assertThat(counter(c.invoke(op(new KvOperation.Incr("c", 1))))).isEqualTo(1);
                LocalCluster.await("an eviction at every replica", Duration.ofSeconds(5), () -> java.util.Arrays.stream(
                        cluster.replicas).allMatch(r -> r.status().counter(Counter.CLIENT_SESSION_EVICTED) == 1));

                assertThatThrownBy(() -> a.invoke(op(new KvOperation.Incr("a", 1))))
                        .isExactlyInstanceOf(PhalanxException.class)
                        .hasMessageContaining("do not know session")
                        .hasMessageContaining("Later calls go in session");
                assertThat(a.stats().refused()).isEqualTo(1);
                assertThat(a.stats().sessionsBegun()).isEqualTo(1);

                // The refused increment never ran; each later one runs once, in the new session.
                assertThat(counter(a.invoke(op(new KvOperation.Incr("a", 1))))).isEqualTo(2);
                assertThat(counter(a.invoke(op(new KvOperation.Incr("a", 1))))).isEqualTo(3);
                // a's new session evicted b's, the oldest then; c's was kept and reads the same count
                assertThat(counter(c.invoke(op(new KvOperation.Incr("a", 0))))).isEqualTo(3);
                assertThat(a.stats().sessionsBegun()).isEqualTo(1);
                assertThat(a.stats().completed()).isEqualTo(3);
            }
        }
    }

    private static Client client(LocalCluster cluster, ClusterConfig config, long id) throws Exception {
        return Client.builder().config(config).id(id).identity(cluster.clientIdentities.get(id)).callTimeout(CALL_TIMEOUT)
                .build();
    }

    /** {@code config} with replicas that keep at most {@code clientsMax} client sessions. */
    private static ClusterConfig keepingSessions(ClusterConfig config, int clientsMax) throws Exception {
        Limits limits = config.limits();
        return new ClusterConfig(config.cluster(), config.replicas(), config.clients(), config.timeouts(), config.batch(),
                new Limits(limits.frameBytesMax(), limits.outboundQueueFramesMax(), limits.outboundQueueBytesMax(),
                        limits.decisionLogMax(), clientsMax), config.durability()).validate();
    }
}
