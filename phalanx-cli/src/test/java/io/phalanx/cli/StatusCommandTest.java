package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.Replica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code phalanx status} against a `phalanx keygen` cluster of four in-process replicas. */
class StatusCommandTest {
    private record Run(int exit, String out) {
    }

    private static Run status(Path config) {
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        int exit = command.execute("status", "--config", config.toString(), "--timeout-ms", "1000");
        return new Run(exit, out.toString());
    }

    @Test
    void exitsZeroOnAHealthyClusterAndNonZeroOnceTwoOfFourAreStopped(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.create(dir, 4, 1, 700);
        Replica[] replicas = new Replica[4];
        try {
            for (int i = 0; i < 4; i++) {
                replicas[i] = Replica.builder().config(config).id(i).service(new KeyValueService()).start();
            }
            try (Client client = Client.builder().config(config).id(1000).callTimeout(Duration.ofSeconds(20)).build()) {
                for (int k = 0; k < 10; k++) {
                    client.invoke(new KvOperation.Incr("n", 1).encode());
                }
            }
            Run healthy = status(config);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (healthy.exit() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                healthy = status(config);
            }
            assertThat(healthy.exit()).as(healthy.out()).isZero();
            assertThat(healthy.out()).contains("OK: 4 of 4 replicas answer, quorum 3").contains("leader")
                    .contains("follower");

            replicas[2].close();
            replicas[3].close();
            Run broken = status(config);
            assertThat(broken.exit()).as(broken.out()).isEqualTo(1);
            assertThat(broken.out()).contains("NOT OK: 2 of 4 replicas answer").contains("down (connection refused)");
        } finally {
            for (Replica replica : replicas) {
                if (replica != null) {
                    replica.close();
                }
            }
        }
    }
}
