package io.phalanx.runtime.config;

import io.phalanx.runtime.keys.Keygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each bad input must fail at load with a message that starts with the offending key path. */
class ClusterConfigLoaderTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void keys() throws Exception {
        new Keygen(new SecureRandom()).generate(new Keygen.Options(5, 2, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
    }

    private static String replica(int id, int port, int clientPort) {
        return "  - { id: " + id + ", host: 127.0.0.1, port: " + port + ", clientPort: " + clientPort
                + ", certificate: keys/replica-" + id + ".crt }\n";
    }

    private static String valid() {
        return "cluster: { viewId: 0, mode: bft, f: 1 }\n"
                + "replicas:\n" + replica(0, 7000, 7100) + replica(1, 7001, 7101) + replica(2, 7002, 7102) + replica(3, 7003, 7103)
                + "clients:\n  - { id: 1000, certificate: keys/client-1000.crt }\n"
                + "timeouts: { requestMs: 1500, reconnectInitialMs: 20 }\n"
                + "batch: { requestsMax: 100, bytesMax: 65536 }\n"
                + "limits: { frameBytesMax: 1048576, outboundQueueFramesMax: 128 }\n";
    }

    private static ConfigException failure(String yaml) {
        try {
            ClusterConfigLoader.parse(yaml, dir);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void validFileLoadsWithDefaultsFilledIn() throws Exception {
        Path file = dir.resolve("valid.yaml");
        Files.writeString(file, valid());
        ClusterConfig config = ClusterConfigLoader.load(file);
        assertThat(config.replicas()).hasSize(4);
        assertThat(config.replica(2).orElseThrow().meshAddress()).isEqualTo("127.0.0.1:7002");
        assertThat(config.client(1000)).isPresent();
        assertThat(config.timeouts().requestMs()).isEqualTo(1500);
        assertThat(config.timeouts().reconnectInitialMs()).isEqualTo(20);
        assertThat(config.timeouts().reconnectMaxMs()).isEqualTo(Timeouts.defaults().reconnectMaxMs());
        assertThat(config.limits().outboundQueueFramesMax()).isEqualTo(128);
        assertThat(config.limits().outboundQueueBytesMax()).isEqualTo(Limits.defaults().outboundQueueBytesMax());
    }

    @Test
    void clientSignaturesDefaultOffAndMapToTheCore() throws Exception {
        assertThat(ClusterConfigLoader.parse(valid(), dir).cluster().clientSignatures()).isFalse();
        ClusterConfig signed = ClusterConfigLoader.parse(
                valid().replace("f: 1 }", "f: 1, clientSignatures: true }"), dir);
        assertThat(signed.cluster().clientSignatures()).isTrue();
        io.phalanx.core.replica.ReplicaConfig core = io.phalanx.runtime.CoreSettings.replicaConfig(signed, 2);
        assertThat(core.clientSignaturesRequired()).isTrue();
        assertThat(core.requestTimeoutMs()).isEqualTo(1500);
        assertThat(core.batchRequestsMax()).isEqualTo(100);
        assertThat(core.view().members()).containsExactly(0, 1, 2, 3);
        assertThat(core.view().publicKeys()).hasSize(4);
    }

    @Test
    void clientsMaxDefaultsToTheCoresAndMapsToIt() throws Exception {
        ClusterConfig defaults = ClusterConfigLoader.parse(valid(), dir);
        assertThat(defaults.limits().clientsMax()).isEqualTo(io.phalanx.core.replica.ReplicaConfig.CLIENTS_DEFAULT);
        ClusterConfig small = ClusterConfigLoader.parse(
                valid().replace("outboundQueueFramesMax: 128 }", "outboundQueueFramesMax: 128, clientsMax: 50 }"), dir);
        assertThat(small.limits().clientsMax()).isEqualTo(50);
        assertThat(io.phalanx.runtime.CoreSettings.replicaConfig(small, 1).clientsMax()).isEqualTo(50);
        assertThat(failure(valid().replace("outboundQueueFramesMax: 128 }", "outboundQueueFramesMax: 128, clientsMax: 0 }")))
                .hasMessageStartingWith("limits.clientsMax:");
    }

    @Test
    void theAdministratorIsOptionalAndMapsToTheCore() throws Exception {
        ClusterConfig none = ClusterConfigLoader.parse(valid(), dir);
        assertThat(none.cluster().hasAdmin()).isFalse();
        assertThat(io.phalanx.runtime.CoreSettings.replicaConfig(none, 0).adminClientId()).isEqualTo(-1);
        ClusterConfig administered = ClusterConfigLoader.parse(
                valid().replace("f: 1 }", "f: 1, clientSignatures: true, admin: 1000 }"), dir);
        assertThat(administered.cluster().admin()).isEqualTo(1000);
        assertThat(io.phalanx.runtime.CoreSettings.replicaConfig(administered, 3).adminClientId()).isEqualTo(1000);
        ClusterConfig crashOnly = ClusterConfigLoader.parse(
                valid().replace("mode: bft, f: 1 }", "mode: cft, f: 1, admin: 1000 }"), dir);
        assertThat(crashOnly.cluster().admin()).as("CFT: no replica forges a request").isEqualTo(1000);
    }

    @Test
    void anAdministratorMustBeAListedClientAndSignInBft() {
        String signed = "f: 1, clientSignatures: true, ";
        assertThat(failure(valid().replace("f: 1 }", signed + "admin: 1001 }"))).hasMessage(
                "cluster.admin: names client 1001, which is not listed under clients; list the administrator's id and"
                        + " certificate there");
        assertThat(failure(valid().replace("f: 1 }", signed + "admin: -1 }"))).hasMessageStartingWith("cluster.admin:");
        assertThat(failure(valid().replace("f: 1 }", signed + "admin: \"1000\" }"))).hasMessageStartingWith("cluster.admin:");
        assertThat(failure(valid().replace("f: 1 }", signed + "administrator: 1000 }")))
                .hasMessageStartingWith("cluster.administrator: unknown key");
        assertThat(failure(valid().replace("f: 1 }", "f: 1, admin: 1000 }"))).hasMessage("cluster.admin: in bft mode an"
                + " administrator needs cluster.clientSignatures: true, so that no replica can order a view change the"
                + " administrator did not sign");
    }

    @Test
    void clientSignaturesMustBeABoolean() {
        assertThat(failure(valid().replace("f: 1 }", "f: 1, clientSignatures: \"yes\" }")).getMessage())
                .startsWith("cluster.clientSignatures: must be true or false");
    }

    @Test
    void unknownKeyIsNamed() {
        assertThat(failure(valid().replace("requestMs: 1500", "requestMS: 1500")))
                .hasMessageStartingWith("timeouts.requestMS: unknown key");
        assertThat(failure(valid() + "storage: {}\n")).hasMessageStartingWith("storage: unknown key");
        assertThat(failure(valid() + "durability: { mode: fast }\n")).hasMessageStartingWith("durability.mode: must be none, async or sync");
        assertThat(failure(valid() + "durability: { syncMs: 5 }\n")).hasMessageStartingWith("durability.syncMs: unknown key");
        assertThat(failure(valid().replace("clientPort: 7102,", "clientPort: 7102, weight: 1,")))
                .hasMessageStartingWith("replicas[2].weight: unknown key");
    }

    @Test
    void missingKeyIsNamed() {
        assertThat(failure(valid().replace("host: 127.0.0.1, port: 7001,", "port: 7001,")))
                .hasMessageStartingWith("replicas[1].host: missing required key");
        assertThat(failure(valid().replace("viewId: 0, ", ""))).hasMessageStartingWith("cluster.viewId: missing required key");
        assertThat(failure(valid().replace("replicas:", "other:"))).hasMessageStartingWith("other: unknown key");
    }

    @Test
    void badModeIsNamed() {
        assertThat(failure(valid().replace("mode: bft", "mode: pbft")))
                .hasMessageStartingWith("cluster.mode: must be bft or cft, got 'pbft'");
    }

    @Test
    void fTooLargeForNIsNamed() {
        assertThat(failure(valid().replace("f: 1", "f: 2")))
                .hasMessageStartingWith("cluster.f: f=2 in bft mode needs at least 7 replicas, the file has 4");
        String cft = valid().replace("mode: bft", "mode: cft").replace("f: 1", "f: 2");
        assertThat(failure(cft)).hasMessageStartingWith("cluster.f: f=2 in cft mode needs at least 5 replicas");
    }

    @Test
    void duplicateIdIsNamed() {
        assertThat(failure(valid().replace("id: 3, host: 127.0.0.1, port: 7003", "id: 1, host: 127.0.0.1, port: 7003")))
                .hasMessageStartingWith("replicas[3].id: duplicate of replicas[1] (id 1)");
    }

    @Test
    void duplicatePortIsNamed() {
        assertThat(failure(valid().replace("port: 7002, clientPort: 7102", "port: 7000, clientPort: 7102")))
                .hasMessageStartingWith("replicas[2].port: duplicate of replicas[0].port (127.0.0.1:7000)");
        assertThat(failure(valid().replace("clientPort: 7103", "clientPort: 7001")))
                .hasMessageStartingWith("replicas[3].clientPort: duplicate of replicas[1].port (127.0.0.1:7001)");
    }

    @Test
    void badPortIsNamed() {
        assertThat(failure(valid().replace("port: 7001,", "port: 70001,")))
                .hasMessageStartingWith("replicas[1].port: must be in 1..65535, got 70001");
        assertThat(failure(valid().replace("port: 7001,", "port: '7001',")))
                .hasMessageStartingWith("replicas[1].port: must be an integer");
    }

    @Test
    void negativeTimeoutIsNamed() {
        assertThat(failure(valid().replace("requestMs: 1500", "requestMs: -5")))
                .hasMessageStartingWith("timeouts.requestMs: must be in 1..");
    }

    @Test
    void missingCertificateFileIsNamed() {
        assertThat(failure(valid().replace("keys/replica-2.crt", "keys/replica-9.crt")))
                .hasMessage("replicas[2].certificate: certificate file " + dir.resolve("keys/replica-9.crt")
                        + ": no such file");
        assertThat(failure(valid().replace("keys/replica-2.crt", "keys/replica-2.key")))
                .hasMessageStartingWith("replicas[2].certificate: certificate file " + dir.resolve("keys/replica-2.key")
                        + ": not a certificate");
        assertThat(failure(valid().replace("keys/replica-2.crt", "keys")))
                .hasMessage("replicas[2].certificate: certificate file " + dir.resolve("keys")
                        + ": is a directory, expected a PEM certificate file");
    }

    @Test
    void anUnreadableClusterFileSaysWhy() {
        assertThatThrownBy(() -> ClusterConfigLoader.load(dir.resolve("nowhere.yaml")))
                .hasMessage("(file): cannot read cluster file " + dir.resolve("nowhere.yaml") + ": no such file");
    }

    @Test
    void sharedKeyIsNamed() {
        assertThat(failure(valid().replace("keys/replica-3.crt", "keys/replica-0.crt")))
                .hasMessageStartingWith("replicas[3].certificate: same public key as replicas[0].certificate");
    }

    @Test
    void inconsistentLimitsAreNamed() {
        assertThat(failure(valid().replace("bytesMax: 65536", "bytesMax: 2000000")))
                .hasMessageStartingWith("batch.bytesMax: must be below limits.frameBytesMax");
        assertThat(failure(valid().replace("reconnectInitialMs: 20", "reconnectInitialMs: 20, reconnectMaxMs: 10")))
                .hasMessageStartingWith("timeouts.reconnectMaxMs: must be >= timeouts.reconnectInitialMs");
    }

    @Test
    void aSyncThatCouldNotFitInAFrameIsRefusedForAReplica() throws Exception {
        // 4 replicas, 64 KiB batches: (4 + 1) x 2 x 64 KiB + 64 KiB fits in 1 MiB, x 4 does not.
        io.phalanx.runtime.CoreSettings.checkMessageLimits(
                ClusterConfigLoader.parse(valid().replace("bytesMax: 65536", "bytesMax: 65536, pipelineMax: 2"), dir));
        ClusterConfig tooDeep = ClusterConfigLoader.parse(valid().replace("bytesMax: 65536", "bytesMax: 65536, pipelineMax: 4"), dir);
        assertThatThrownBy(() -> io.phalanx.runtime.CoreSettings.checkMessageLimits(tooDeep))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("batch.bytesMax: (replicas + 1) x batch.pipelineMax x batch.bytesMax = 1310720 bytes")
                .hasMessageContaining("the largest SYNC a leader change may need");
        assertThat(failure(valid().replace("bytesMax: 65536", "bytesMax: 65536, pipelineMax: 65")))
                .hasMessageStartingWith("batch.pipelineMax:");
    }

    @Test
    void duplicateYamlKeyAndGarbageAreRejected() {
        assertThat(failure(valid().replace("f: 1", "f: 1, f: 0"))).hasMessage("cluster.f: the same key twice in one mapping");
        assertThat(failure(valid().replace("port: 7002,", "port: 7002, port: 7009,")))
                .hasMessage("replicas[2].port: the same key twice in one mapping");
        assertThat(failure(valid() + "cluster: { viewId: 1, mode: bft, f: 1 }\n"))
                .hasMessage("cluster: the same key twice in one mapping");
        assertThat(failure("cluster: [\n")).hasMessageStartingWith("(file): not valid YAML");
        assertThat(failure("- just\n- a list\n")).hasMessageStartingWith("(file): must be a mapping");
    }

    @Test
    void duplicateClientIdIsNamed() {
        String yaml = valid().replace("clients:\n", "clients:\n  - { id: 1000, certificate: keys/client-1001.crt }\n");
        assertThat(failure(yaml)).hasMessageStartingWith("clients[1].id: duplicate of clients[0] (id 1000)");
    }
}
