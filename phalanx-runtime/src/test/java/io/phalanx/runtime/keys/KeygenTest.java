package io.phalanx.runtime.keys;

import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeygenTest {
    private final Keygen keygen = new Keygen(new SecureRandom());

    @Test
    void generatedDirectoryLoadsAsAValidConfig(@TempDir Path dir) throws Exception {
        Keygen.Result result = keygen.generate(new Keygen.Options(4, 2, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());

        ClusterConfig config = ClusterConfigLoader.load(result.clusterFile());
        assertThat(config.cluster().f()).isEqualTo(1);
        assertThat(config.cluster().mode()).isEqualTo(Mode.BFT);
        assertThat(config.replicas()).extracting(r -> r.port()).containsExactly(7000, 7001, 7002, 7003);
        assertThat(config.replicas()).extracting(r -> r.clientPort()).containsExactly(7100, 7101, 7102, 7103);
        assertThat(config.clients()).extracting(c -> c.id()).containsExactly(1000L, 1001L);
    }

    @Test
    void keysAndCertificatesRoundTripAndMatch(@TempDir Path dir) throws Exception {
        keygen.generate(new Keygen.Options(3, 1, dir, Mode.CFT, 1, "127.0.0.1", 7000), Instant.now());
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));

        NodeIdentity replica1 = KeyFiles.loadIdentity(dir.resolve("keys/replica-1.key"), config.replica(1).orElseThrow().certificate());
        assertThat(replica1.publicKey().getAlgorithm()).isIn("Ed25519", "EdDSA");
        assertThat(Pem.readCertificate(dir.resolve("keys/replica-1.crt"))).isEqualTo(replica1.certificate());
        assertThat(replica1.certificate().getSubjectX500Principal().getName()).contains("CN=replica-1");

        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(replica1.privateKey());
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(replica1.publicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();

        NodeIdentity client = KeyFiles.loadIdentity(dir.resolve("keys/client-1000.key"), config.client(1000).orElseThrow().certificate());
        assertThat(KeyFiles.matches(client.privateKey(), replica1.certificate())).isFalse();
    }

    @Test
    void privateKeysAreOwnerOnly(@TempDir Path dir) throws Exception {
        keygen.generate(new Keygen.Options(1, 0, dir, Mode.CFT, 0, "127.0.0.1", 7000), Instant.now());
        Path key = dir.resolve("keys/replica-0.key");
        if (key.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        }
    }

    @Test
    void mismatchedKeyIsRefused(@TempDir Path dir) throws Exception {
        keygen.generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        assertThatThrownBy(() -> KeyFiles.loadIdentity(dir.resolve("keys/replica-0.key"), config.replica(1).orElseThrow().certificate()))
                .hasMessageContaining("does not match");
    }

    @Test
    void neverOverwritesAndRejectsTooLargeF(@TempDir Path dir) throws Exception {
        keygen.generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
        assertThatThrownBy(() -> keygen.generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now()))
                .hasMessageContaining("already exists");
        assertThatThrownBy(() -> keygen.generate(new Keygen.Options(4, 0, dir.resolve("x"), Mode.BFT, 2, "127.0.0.1", 7000), Instant.now()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--f:");
    }
}
