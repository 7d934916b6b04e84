package io.phalanx.cli;

import io.phalanx.kv.KeyValueService;
import io.phalanx.runtime.Replica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `phalanx client` one-shot operations and shell against four replicas started from a keygen directory. */
class ClientCommandTest {
    private static int run(StringWriter out, String... args) {
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        return command.execute(args);
    }

    @Test
    void oneShotOperationsAndTheShell(@TempDir Path dir) throws Exception {
        Path config = LocalClusterDirectory.create(dir, 4, 3, 1000);
        List<Replica> replicas = new ArrayList<>();
        InputStream stdin = System.in;
        try {
            for (int i = 0; i < 4; i++) {
                replicas.add(Replica.builder().config(config).id(i).service(new KeyValueService()).start());
            }
            // One run per client id: a new run would reuse sequence numbers (see ClientCommand's help).
            assertThat(oneShot(base(config, 1000), "put", "colour", "blue")).isEqualTo("OK (was (absent))");
            assertThat(oneShot(base(config, 1001), "incr", "visits", "5")).isEqualTo("5");

            String script = "get colour\ncas colour blue green\ndel colour\nincr visits\nget visits\nbogus\nquit\n";
            System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            StringWriter out = new StringWriter();
            assertThat(run(out, base(config, 1002))).isZero();
            assertThat(out.toString()).contains("blue\nCAS swapped, now 'green'\ndeleted (was 'green')\n6\n6\n")
                    .contains("unknown operation 'bogus'");

            StringWriter usage = new StringWriter();
            assertThat(run(usage, "client", "--config", config.toString(), "--id", "1000", "put", "onlykey")).isEqualTo(2);
            assertThat(usage.toString()).contains("put takes 2 arguments");
        } finally {
            System.setIn(stdin);
            replicas.forEach(Replica::close);
        }
    }

    private static String[] base(Path config, long clientId) {
        return new String[]{"client", "--config", config.toString(), "--id", Long.toString(clientId)};
    }

    private static String oneShot(String[] base, String... operation) {
        String[] args = new String[base.length + operation.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(operation, 0, args, base.length, operation.length);
        StringWriter out = new StringWriter();
        assertThat(run(out, args)).as(String.join(" ", operation) + " -> " + out).isZero();
        return out.toString().trim();
    }
}
