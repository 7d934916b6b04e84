package io.phalanx.runtime.config;

import io.phalanx.runtime.keys.Keygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code replicas[i].admin}: optional, loopback by default, strict like every other section. */
class AdminEndpointConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void keys() throws Exception {
        new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
    }

    private static String file(String adminOfReplica1) {
        StringBuilder yaml = new StringBuilder("cluster: { viewId: 0, mode: bft, f: 1 }\nreplicas:\n");
        for (int id = 0; id < 4; id++) {
            yaml.append("  - { id: ").append(id).append(", host: 127.0.0.1, port: ").append(7000 + id)
                    .append(", clientPort: ").append(7100 + id).append(", certificate: keys/replica-").append(id)
                    .append(".crt").append(id == 1 ? adminOfReplica1 : "").append(" }\n");
        }
        return yaml.toString();
    }

    @Test
    void anAdminPortListensOnLoopbackUnlessAHostIsGiven() throws Exception {
        ClusterConfig config = ClusterConfigLoader.parse(file(", admin: { port: 7201 }"), dir);
        assertThat(config.replica(1).orElseThrow().admin()).isEqualTo(new AdminEndpoint("127.0.0.1", 7201));
        assertThat(config.replica(0).orElseThrow().admin()).isNull();
        ClusterConfig anyHost = ClusterConfigLoader.parse(file(", admin: { host: 0.0.0.0, port: 7201 }"), dir);
        assertThat(anyHost.replica(1).orElseThrow().admin().host()).isEqualTo("0.0.0.0");
    }

    @Test
    void badAdminSectionsNameTheirKey() {
        assertThatThrownBy(() -> ClusterConfigLoader.parse(file(", admin: { prot: 7201 }"), dir))
                .hasMessageStartingWith("replicas[1].admin.prot: unknown key");
        assertThatThrownBy(() -> ClusterConfigLoader.parse(file(", admin: { host: 127.0.0.1 }"), dir))
                .hasMessageStartingWith("replicas[1].admin.port: missing required key");
        assertThatThrownBy(() -> ClusterConfigLoader.parse(file(", admin: { port: 70000 }"), dir))
                .hasMessageStartingWith("replicas[1].admin.port");
        assertThatThrownBy(() -> ClusterConfigLoader.parse(file(", admin: { port: 7100 }"), dir))
                .hasMessageStartingWith("replicas[1].admin.port: duplicate of replicas[0].clientPort");
    }

    @Test
    void keygenWritesAnAdminPortPerReplica() throws Exception {
        ClusterConfig generated = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        for (ReplicaEntry replica : generated.replicas()) {
            assertThat(replica.admin()).isEqualTo(new AdminEndpoint("127.0.0.1", 7000 + Keygen.ADMIN_PORT_OFFSET + replica.id()));
        }
    }
}
