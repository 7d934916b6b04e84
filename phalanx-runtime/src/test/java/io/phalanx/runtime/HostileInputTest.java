package io.phalanx.runtime;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestKind;
import io.phalanx.kv.KvOperation;
import io.phalanx.kv.KvResult;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.transport.ClientTransport;
import io.phalanx.runtime.transport.ReplicaMesh;
import io.phalanx.runtime.transport.TransportBackdoor;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static io.phalanx.runtime.LocalCluster.op;
import static io.phalanx.runtime.LocalCluster.result;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas fed garbage, oversized frames, messages of the wrong kind, impostor certificates
 * and requests in another client's name drop them, count them, and keep serving honest clients.
 * Replica 3's key is held by the test, which uses it to misbehave on the mesh; 0, 1 and 2 are a
 * quorum on their own.
 */
class HostileInputTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void replicasSurviveHostilePeersAndClients() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 2, true, Set.of(3));
             ReplicaMesh byzantine = ReplicaMesh.start(cluster.config, 3, cluster.replicaIdentities.get(3), (r, f) -> { })) {
            LocalCluster.await("replica 3's impostor is connected", WAIT,
                    () -> byzantine.connectedPeers().equals(Set.of(0, 1, 2)));
            MessageCodec codec = new MessageCodec(cluster.config.limits().frameBytesMax());

            // Garbage and a message of the wrong kind on the mesh.
            byzantine.send(0, "not a message".getBytes(StandardCharsets.US_ASCII));
            byzantine.send(1, codec.encode(new Request(1000, 1, RequestKind.ORDERED, 0, Bytes.utf8("x"))));
            LocalCluster.await("garbage counted", WAIT, () -> cluster.replicas[0].status().driver().undecodableFrames() == 1);
            LocalCluster.await("wrong kind counted", WAIT,
                    () -> cluster.replicas[1].status().driver().unexpectedMessages() == 1);

            // An oversized frame closes only that connection.
            TransportBackdoor.writeLengthPrefix(byzantine, 2, Integer.MAX_VALUE);
            LocalCluster.await("oversized frame refused", WAIT, () -> cluster.replicas[2].status().mesh().badFrames() == 1);

            // A certificate the cluster does not know.
            NodeIdentity stranger = LocalCluster.CERTIFICATES.generate("client-1000", Instant.now());
            try (ClientTransport impostor = TransportBackdoor.clientWithAnyIdentity(cluster.config, 1000, stranger, (r, f) -> { });
                 ClientTransport other = ClientTransport.start(cluster.config, 1001, cluster.clientIdentities.get(1001L),
                         (r, f) -> { })) {
                LocalCluster.await("impostor refused", WAIT,
                        () -> cluster.replicas[0].status().clientPort().rejectedHandshakes() > 0);
                // A known client (1001) speaking as another (1000), and garbage on the client port.
                LocalCluster.await("client 1001 connected", WAIT, () -> other.connectedReplicas().contains(0));
                Request forged = new Request(1000, 1, RequestKind.ORDERED, 0, op(new KvOperation.Put("k", "forged")));
                other.send(0, codec.encode(forged));
                other.send(0, new byte[]{1, 2, 3});
                LocalCluster.await("forged request counted", WAIT,
                        () -> cluster.replicas[0].status().driver().clientIdMismatches() == 1);
                LocalCluster.await("client garbage counted", WAIT,
                        () -> cluster.replicas[0].status().driver().undecodableFrames() == 2);
            }

            // The honest client is served throughout, and the forged write never happened.
            Client honest = cluster.client(1000);
            assertThat(result(honest.invoke(op(new KvOperation.Incr("n", 5))))).isEqualTo(new KvResult.Counter(5));
            assertThat(result(honest.invoke(op(new KvOperation.Get("k"))))).isEqualTo(KvResult.absent());
            assertThat(result(honest.invokeUnordered(op(new KvOperation.Get("n"))))).isEqualTo(KvResult.value("5"));
            for (int i = 0; i < 3; i++) {
                assertThat(cluster.replicas[i].failure()).isEmpty();
            }
        }
    }
}
