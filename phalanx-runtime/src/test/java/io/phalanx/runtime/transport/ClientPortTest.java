package io.phalanx.runtime.transport;

import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.keys.NodeIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientPortTest {
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T closeable) {
        started.add(closeable);
        return closeable;
    }

    private ClientPortServer[] startServers(TestCluster cluster, Inbox[] inboxes) throws Exception {
        ClientPortServer[] servers = new ClientPortServer[cluster.replicas().size()];
        for (int i = 0; i < servers.length; i++) {
            inboxes[i] = new Inbox();
            servers[i] = track(ClientPortServer.start(cluster.config(), i, cluster.replicas().get(i), inboxes[i]));
        }
        return servers;
    }

    @Test
    void configuredClientExchangesFramesWithEveryReplica() throws Exception {
        TestCluster cluster = TestCluster.of(4, 2);
        Inbox[] replicaInboxes = new Inbox[4];
        ClientPortServer[] servers = startServers(cluster, replicaInboxes);
        Inbox clientInbox = new Inbox();
        ClientTransport client = track(ClientTransport.start(cluster.config(), 1001, cluster.clients().get(1001L), clientInbox));

        await("client connected to all replicas", () -> client.connectedReplicas().equals(Set.of(0, 1, 2, 3)));
        for (int replica = 0; replica < 4; replica++) {
            assertThat(client.send(replica, bytes("request to " + replica))).isTrue();
        }
        for (int replica = 0; replica < 4; replica++) {
            String text = "request to " + replica;
            Inbox inbox = replicaInboxes[replica];
            await(text, () -> inbox.has(1001, text));
            assertThat(servers[replica].connectedClients()).containsExactly(1001L);
            assertThat(servers[replica].sendToClient(1001, bytes("reply from " + replica))).isTrue();
        }
        for (int replica = 0; replica < 4; replica++) {
            String text = "reply from " + replica;
            int from = replica;
            await(text, () -> clientInbox.has(from, text));
        }
        assertThat(servers[0].sendToClient(1000, bytes("nobody home"))).isFalse();
        assertThat(servers[0].metrics().snapshot().framesDropped()).isEqualTo(1);
        assertThat(replicaInboxes[2].up).containsExactly(1001L);
    }

    @Test
    void unknownClientCertificateIsRefusedAndKnownClientsStillServed() throws Exception {
        TestCluster cluster = TestCluster.of(4, 1);
        Inbox[] replicaInboxes = new Inbox[4];
        ClientPortServer[] servers = startServers(cluster, replicaInboxes);
        NodeIdentity stranger = TestCluster.identity("client-1000");
        assertThatThrownBy(() -> ClientTransport.start(cluster.config(), 1000, stranger, new Inbox()))
                .isInstanceOf(IllegalArgumentException.class);
        ClientTransport impostor = track(ClientTransport.startUnchecked(cluster.config(), 1000, stranger, new Inbox(), null));

        await("every replica refuses the unknown certificate", () -> Arrays.stream(servers)
                .allMatch(server -> server.metrics().snapshot().rejectedHandshakes() > 0));
        // (In TLS 1.3 the impostor may briefly believe it is connected: it learns of the
        // refusal only from the server's alert. Whatever it sends is never delivered.)
        impostor.send(0, bytes("let me in"));
        for (ClientPortServer server : servers) {
            assertThat(server.connectedClients()).isEmpty();
        }

        Inbox clientInbox = new Inbox();
        ClientTransport client = track(ClientTransport.start(cluster.config(), 1000, cluster.clients().get(1000L), clientInbox));
        await("known client connected", () -> client.connectedReplicas().size() == 4);
        assertThat(client.send(3, bytes("hello"))).isTrue();
        await("known client's frame arrives", () -> replicaInboxes[3].has(1000, "hello"));
        assertThat(replicaInboxes[3].frames).allMatch(frame -> frame.from() == 1000 && frame.text().equals("hello"));
        assertThat(replicaInboxes[0].frames).noneMatch(frame -> frame.text().equals("let me in"));
    }

    @Test
    void clientRefusesAReplicaPresentingAnotherReplicasCertificate() throws Exception {
        TestCluster cluster = TestCluster.of(4, 1);
        startServers(cluster, new Inbox[4]);
        // The client's copy of the config swaps the client ports of replicas 1 and 2, so dialling
        // "replica 1" reaches the replica holding replica 2's key, and vice versa.
        TestCluster misrouted = cluster.withReplicas(list -> {
            ReplicaEntry one = list.get(1);
            ReplicaEntry two = list.get(2);
            list.set(1, new ReplicaEntry(1, one.host(), one.port(), two.clientPort(), one.certificate()));
            list.set(2, new ReplicaEntry(2, two.host(), two.port(), one.clientPort(), two.certificate()));
            return list;
        });
        ClientTransport client = track(ClientTransport.start(misrouted.config(), 1000, cluster.clients().get(1000L), new Inbox()));

        await("client connects to the honest routes", () -> client.connectedReplicas().equals(Set.of(0, 3)));
        await("client counts the refusals", () -> client.metrics().snapshot().rejectedHandshakes() >= 2);
        assertThat(client.connectedReplicas()).containsExactlyInAnyOrder(0, 3);
    }

    @Test
    void replicaCertificateIsNotAClientCertificate() throws Exception {
        TestCluster cluster = TestCluster.of(4, 1);
        ClientPortServer[] servers = startServers(cluster, new Inbox[4]);
        ClientTransport replicaAsClient = track(ClientTransport.startUnchecked(cluster.config(), 1000,
                cluster.replicas().get(1), new Inbox(), null));

        await("refused by every client port", () -> Arrays.stream(servers)
                .allMatch(server -> server.metrics().snapshot().rejectedHandshakes() > 0));
        assertThat(servers[0].connectedClients()).isEmpty();
        assertThat(replicaAsClient.metrics().snapshot().framesIn()).isZero();
    }
}
