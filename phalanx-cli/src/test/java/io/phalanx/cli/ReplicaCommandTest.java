package io.phalanx.cli;

import io.phalanx.runtime.config.Mode;
import io.phalanx.runtime.keys.Keygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code phalanx replica} prints when it cannot start: the one line that says why, not the usage text. */
class ReplicaCommandTest {
    private static int run(StringWriter err, String... args) {
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(new StringWriter()));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    private static Path generate(Path dir) throws Exception {
        new Keygen(new SecureRandom()).generate(new Keygen.Options(4, 0, dir, Mode.BFT, null, "127.0.0.1", 7000), Instant.now());
        return dir.resolve("cluster.yaml");
    }

    @Test
    void aMissingKeyFileIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        Path config = generate(dir);
        Path key = dir.resolve("keys/replica-7.key");
        StringWriter err = new StringWriter();
        assertThat(run(err, "replica", "--id", "0", "--config", config.toString(), "--key", key.toString())).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("phalanx replica: key file " + key + ": no such file" + System.lineSeparator());
    }

    @Test
    void aDirectoryGivenAsKeyFileIsNamedWithTheReason(@TempDir Path dir) throws Exception {
        Path config = generate(dir);
        Path keys = dir.resolve("keys");
        StringWriter err = new StringWriter();
        assertThat(run(err, "replica", "--id", "0", "--config", config.toString(), "--key", keys.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("key file " + keys + ": is a directory, expected a PEM private key file");
    }

    @Test
    void aConfigErrorPrintsTheErrorAndAHintNotTheUsageText(@TempDir Path dir) {
        Path missing = dir.resolve("cluster.yaml");
        StringWriter err = new StringWriter();
        assertThat(run(err, "replica", "--id", "0", "--config", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).isEqualTo(
                "phalanx replica: (file): cannot read cluster file " + missing + ": no such file" + System.lineSeparator()
                        + "Try 'phalanx replica --help' for usage." + System.lineSeparator());
    }
}
