package io.phalanx.runtime.keys;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What loading a node's key file says when it cannot, or should not, be used. */
class KeyFilesTest {
    private static X509Certificate replica0(Path dir) throws Exception {
        new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        return config.replica(0).orElseThrow().certificate();
    }

    @Test
    void aMissingKeyFileIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        X509Certificate certificate = replica0(dir);
        Path missing = dir.resolve("keys/replica-9.key");
        assertThatThrownBy(() -> KeyFiles.loadIdentity(missing, certificate))
                .hasMessage("key file " + missing + ": no such file");
    }

    @Test
    void aDirectoryGivenAsKeyFileIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        X509Certificate certificate = replica0(dir);
        Path keys = dir.resolve("keys");
        assertThatThrownBy(() -> KeyFiles.loadIdentity(keys, certificate))
                .hasMessage("key file " + keys + ": is a directory, expected a PEM private key file");
    }

    @Test
    void anUnreadableKeyFileIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        X509Certificate certificate = replica0(dir);
        Path key = dir.resolve("keys/replica-0.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("-w-------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(key), "running as root: every file is readable");
        assertThatThrownBy(() -> KeyFiles.loadIdentity(key, certificate))
                .hasMessage("key file " + key + ": permission denied");
    }

    @Test
    void aKeyFileOthersMayReadIsUsedWithOneWarningNamingItAndItsPermissions(@TempDir Path dir) throws Exception {
        X509Certificate certificate = replica0(dir);
        Path key = dir.resolve("keys/replica-0.key");
        Logger log = (Logger) LoggerFactory.getLogger(KeyFiles.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            KeyFiles.loadIdentity(key, certificate);
            assertThat(lines.list).as("rw------- is fine").isEmpty();

            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
            KeyFiles.loadIdentity(key, certificate);
            KeyFiles.loadIdentity(key, certificate);
            List<ILoggingEvent> warnings = lines.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertThat(warnings).singleElement().satisfies(w -> assertThat(w.getFormattedMessage())
                    .contains("key file " + key + " is readable by group or others (permissions rw-r--r--)"));
        } finally {
            log.detachAppender(lines);
        }
    }
}
