package io.phalanx.cli;

import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class KeygenCommandTest {
    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        return command.execute(args);
    }

    @Test
    void writesALoadableClusterDirectory(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, new StringWriter(), "keygen", "--replicas", "5", "--clients", "2", "--mode", "cft",
                "--base-port", "9000", "--out", dir.toString());
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("wrote 15 files").contains("f=2");
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        assertThat(config.cluster().mode()).isEqualTo(Mode.CFT);
        assertThat(config.replica(4).orElseThrow().port()).isEqualTo(9004);
        assertThat(config.replica(4).orElseThrow().clientPort()).isEqualTo(9104);
    }

    @Test
    void makesTheAdministratorAsOneMoreClientAndNamesIt(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        int exit = run(out, new StringWriter(), "keygen", "--replicas", "4", "--clients", "2", "--admin",
                "--base-port", "9000", "--out", dir.toString());
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("wrote 15 files")
                .contains("administrator: client 1002 (key " + dir.resolve("keys").resolve("client-1002.key")
                        + "); the cluster file names it under cluster.admin: 1002");
        ClusterConfig config = ClusterConfigLoader.load(dir.resolve("cluster.yaml"));
        assertThat(config.cluster().admin()).isEqualTo(1002);
        assertThat(config.cluster().clientSignatures()).as("BFT: the administrator's requests are signed").isTrue();
        assertThat(config.clients()).extracting(c -> c.id()).containsExactly(1000L, 1001L, 1002L);
        assertThat(dir.resolve("keys").resolve("client-1002.key")).exists();
    }

    @Test
    void rejectsTooLargeFWithAUsageError(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int exit = run(new StringWriter(), err, "keygen", "--replicas", "4", "--f", "2", "--out", dir.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--f: f=2 in bft mode needs at least 7 replicas");
    }
}
