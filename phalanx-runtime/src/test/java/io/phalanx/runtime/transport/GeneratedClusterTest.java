package io.phalanx.runtime.transport;

import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.KeyFiles;
import io.phalanx.runtime.keys.Keygen;
import io.phalanx.runtime.keys.NodeIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static io.phalanx.runtime.transport.Inbox.await;
import static io.phalanx.runtime.transport.Inbox.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** What `phalanx keygen` writes is enough to run replicas and a client over TLS: keys read back from PEM work. */
class GeneratedClusterTest {
    @Test
    void keygenDirectoryRunsReplicasAndAClient(@TempDir Path dir) throws Exception {
        int basePort = freeBasePort(2);
        new Keygen(new SecureRandom()).generate(new Keygen.Options(2, 1, dir, Mode.CFT, 0, "127.0.0.1", basePort), Instant.now());
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        Inbox zeroInbox = new Inbox();
        Inbox oneInbox = new Inbox();
        Inbox clientInbox = new Inbox();
        try (ReplicaMesh zero = ReplicaMesh.start(config, 0, identity(dir, "replica-0", config.replica(0).orElseThrow().certificate()), zeroInbox);
             ReplicaMesh one = ReplicaMesh.start(config, 1, identity(dir, "replica-1", config.replica(1).orElseThrow().certificate()), oneInbox);
             ClientPortServer port = ClientPortServer.start(config, 1,
                     identity(dir, "replica-1", config.replica(1).orElseThrow().certificate()), oneInbox);
             ClientTransport client = ClientTransport.start(config, 1000,
                     identity(dir, "client-1000", config.client(1000).orElseThrow().certificate()), clientInbox)) {
            await("mesh up", () -> zero.connectedPeers().equals(Set.of(1)) && one.connectedPeers().equals(Set.of(0)));
            assertThat(zero.send(1, bytes("ping"))).isTrue();
            await("ping", () -> oneInbox.has(0, "ping"));
            await("client reaches replica 1", () -> client.connectedReplicas().contains(1));
            assertThat(client.send(1, bytes("request"))).isTrue();
            await("request", () -> oneInbox.has(1000, "request"));
            assertThat(port.sendToClient(1000, bytes("reply"))).isTrue();
            await("reply", () -> clientInbox.has(1, "reply"));
        }
    }

    private static NodeIdentity identity(Path dir, String name, X509Certificate certificate)
            throws IOException {
        return KeyFiles.loadIdentity(dir.resolve("keys/" + name + ".key"), certificate);
    }

    /** A base port p with p..p+n-1 and p+100..p+100+n-1 free right now. */
    private static int freeBasePort(int replicas) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 32_000); // below the ephemeral range
            boolean free = true;
            for (int i = 0; i < replicas && free; i++) {
                free = isFree(base + i) && isFree(base + Keygen.CLIENT_PORT_OFFSET + i);
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
