package io.phalanx.runtime.config;

import io.phalanx.core.message.Bytes;
import io.phalanx.core.view.Addresses;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewChange;
import io.phalanx.runtime.CoreSettings;
import io.phalanx.runtime.keys.Certificates;
import io.phalanx.runtime.keys.Keygen;
import io.phalanx.runtime.keys.NodeIdentity;
import io.phalanx.runtime.keys.Pem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A join ticket carries what a new replica needs besides its key, and the administrator's signature covers all of it. */
class JoinTicketTest {
    @TempDir
    Path dir;
    private Path clusterFile;
    private ClusterConfig config;
    private PrivateKey adminKey;
    private PublicKey adminPublic;
    private NodeIdentity four;
    private View view;

    @BeforeEach
    void cluster() throws Exception {
        clusterFile = new Keygen(new SecureRandom()).generate(
                new Keygen.Options(4, 1, dir.resolve("admin"), Mode.BFT, null, "127.0.0.1", 7000, true), Instant.now())
                .clusterFile();
        config = ClusterConfigLoader.load(clusterFile);
        long admin = config.cluster().admin();
        adminKey = Pem.readPrivateKey(clusterFile.resolveSibling("keys/client-" + admin + ".key"));
        adminPublic = config.client(admin).orElseThrow().certificate().getPublicKey();
        four = new Certificates(new SecureRandom()).generate("replica-4", Instant.now());
        view = new ViewChange.Add(4, Bytes.copyOf(four.publicKey().getEncoded()),
                new Addresses("127.0.0.1:7004", "127.0.0.1:7104")).applyTo(CoreSettings.view(config));
    }

    @Test
    void aTicketCarriesTheClusterFileWithItsCertificatesAndTheyLoadAsTheOriginal() throws Exception {
        JoinTicket ticket = new JoinTicket(4, 12, view, four.certificate(), ClusterBundle.of(clusterFile), new byte[0])
                .sign(adminKey);
        Path file = dir.resolve("elsewhere/join-4.ticket");
        Files.createDirectories(file.getParent());
        ticket.write(file);

        JoinTicket read = JoinTicket.read(file);
        assertThat(read).isEqualTo(ticket);
        assertThat(read.signedBy(adminPublic)).isTrue();
        assertThat(read.cluster().files()).containsKeys(ClusterBundle.CLUSTER_FILE, "keys/replica-0.crt",
                "keys/client-1000.crt");
        Path extracted = read.cluster().extractTo(dir.resolve("elsewhere/data/cluster"));
        assertThat(ClusterConfigLoader.load(extracted)).isEqualTo(config);
    }

    @Test
    void theSignatureCoversTheBundledClusterFile() throws Exception {
        JoinTicket ticket = new JoinTicket(4, 12, view, four.certificate(), ClusterBundle.of(clusterFile), new byte[0])
                .sign(adminKey);
        Map<String, byte[]> files = new HashMap<>(ticket.cluster().files());
        String yaml = new String(files.get(ClusterBundle.CLUSTER_FILE), StandardCharsets.UTF_8);
        files.put(ClusterBundle.CLUSTER_FILE, yaml.replace("clientSignatures: true", "clientSignatures: false")
                .getBytes(StandardCharsets.UTF_8));
        JoinTicket forged = new JoinTicket(4, 12, view, four.certificate(), new ClusterBundle(files), ticket.signature());
        assertThat(forged.cluster()).isNotEqualTo(ticket.cluster());
        assertThat(forged.signedBy(adminPublic)).isFalse();
    }

    @Test
    void aTicketWithoutAClusterFileIsStillWrittenAndRead() throws Exception {
        JoinTicket ticket = new JoinTicket(4, 12, view, four.certificate(), new byte[0]).sign(adminKey);
        Path file = dir.resolve("join-4.ticket");
        ticket.write(file);
        JoinTicket read = JoinTicket.read(file);
        assertThat(read.cluster()).isNull();
        assertThat(read).isEqualTo(ticket);
        assertThat(read.signedBy(adminPublic)).isTrue();
    }

    @Test
    void aBundleHoldsOnlyTheClusterFileAndFilesUnderKeys() {
        byte[] yaml = "cluster: {}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new ClusterBundle(Map.of(ClusterBundle.CLUSTER_FILE, yaml, "keys/../../x", yaml)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 'keys/../../x'");
        assertThatThrownBy(() -> new ClusterBundle(Map.of("/etc/passwd", yaml)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClusterBundle(Map.of("keys/a.crt", yaml)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a cluster bundle needs its cluster.yaml");
    }

    @Test
    void aDamagedTicketIsRefusedNamingItsFile() throws Exception {
        JoinTicket ticket = new JoinTicket(4, 12, view, four.certificate(), ClusterBundle.of(clusterFile), new byte[0])
                .sign(adminKey);
        Path file = dir.resolve("join-4.ticket");
        ticket.write(file);
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() / 2) + "\n-----END PHALANX JOIN TICKET-----\n");
        assertThatThrownBy(() -> JoinTicket.read(file)).hasMessageStartingWith("join ticket " + file + ": ");
    }
}
