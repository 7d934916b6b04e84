package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.runtime.Replica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code phalanx view show} against a `phalanx keygen` cluster of four in-process replicas. */
class ViewCommandTest {
    private record Run(int exit, String out) {
    }

    private static Run show(Path config) {
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        int exit = command.execute("view", "show", "--config", config.toString(), "--timeout-ms", "1000");
        return new Run(exit, out.toString());
    }

    @Test
    void showsTheFilesViewAndTheViewEveryReplicaRunsAndFailsWhenTheyDiffer(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.create(dir, 4, 1, 700);
        Replica[] replicas = new Replica[4];
        try {
            for (int i = 0; i < 4; i++) {
                replicas[i] = Replica.builder().config(config).id(i).service(new KeyValueService()).start();
            }
            Run same = show(config);
            assertThat(same.exit()).as(same.out()).isZero();
            assertThat(same.out()).contains("view 0: BFT, n=4, f=1; a quorum is 3 replicas, 2 vouch for a claim")
                    .containsPattern("(?m)^2 +127\\.0\\.0\\.1:\\d+ +127\\.0\\.0\\.1:\\d+ +[0-9a-f]{16} +2, 6, 10, \\.\\.\\.$")
                    .containsPattern("(?m)^3 +view 0, regency \\d+ \\(leader r\\d\\)$");

            Path later = dir.resolve("cluster-view-1.yaml");
            Files.writeString(later, Files.readString(config).replace("  viewId: 0", "  viewId: 1"));
            Run differ = show(later);
            assertThat(differ.exit()).as(differ.out()).isEqualTo(1);
            assertThat(differ.out()).contains("view 1: BFT").contains(": NOT the file's view 1");
        } finally {
            for (Replica replica : replicas) {
                if (replica != null) {
                    replica.close();
                }
            }
        }
    }
}
