package io.phalanx.cli.bench;

import io.phalanx.bench.chart.CsvTable;
import io.phalanx.cli.PhalanxCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code phalanx bench ordering} working: its smallest cell runs end to end as processes
 * (four {@code phalanx orderer}, one {@code phalanx frontend}) and leaves a sane row and the
 * charts; bad options are refused before anything starts. Nothing here is about speed.
 */
class OrderingCommandTest {

    @Test
    @Timeout(120)
    void theSmallestCellRunsAsProcessesAndWritesARowAndCharts(@TempDir Path out) throws Exception {
        StringWriter err = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine().setErr(new PrintWriter(err, true));
        // A short cluster warm-up (--quick's is 20 s): its path runs, its time is not spent here.
        int exit = command.execute("bench", "ordering", "--quick", "--cluster-warmup", "2",
                "--out", out.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).contains("warming up:   2 of 2 s").contains("[1/1]  4 nodes  1 frontend ");

        CsvTable table = CsvTable.read(out.resolve("results.csv"));
        assertThat(table.header()).containsExactly("nodes", "frontends", "envelope_bytes", "block_size", "offered_per_s",
                "tx_per_s", "blocks_per_s", "p50_ms", "p99_ms", "delivered", "errors", "steal_pct");
        assertThat(table.rowCount()).isOne();
        assertThat(table.get(0, "nodes")).isEqualTo("4");
        assertThat(table.get(0, "frontends")).isEqualTo("1");
        assertThat(table.get(0, "envelope_bytes")).isEqualTo("40");
        assertThat(table.get(0, "block_size")).isEqualTo("10");
        assertThat(table.get(0, "offered_per_s")).isEqualTo("0");
        assertThat(table.getDouble(0, "errors")).isZero();
        assertThat(table.getDouble(0, "delivered")).isPositive();
        // Every envelope is in a block of at most 10, so there are at least a tenth as many blocks.
        assertThat(table.getDouble(0, "tx_per_s")).isPositive();
        assertThat(table.getDouble(0, "blocks_per_s")).isGreaterThanOrEqualTo(table.getDouble(0, "tx_per_s") / 10 - 1)
                .isPositive();
        assertThat(table.getDouble(0, "p50_ms")).isPositive().isLessThanOrEqualTo(table.getDouble(0, "p99_ms"));
        assertThat(ImageIO.read(out.resolve("throughput.png").toFile())).isNotNull();
        assertThat(ImageIO.read(out.resolve("latency.png").toFile())).isNotNull();
        // The processes' logs stay; their data directories (every block) do not.
        Path run = out.resolve("runs").resolve("nodes4-frontends1-block10");
        assertThat(run.resolve("replica-0.log")).exists();
        assertThat(run.resolve("frontend-0.log")).exists();
        assertThat(run.resolve("data")).doesNotExist();
    }

    @Test
    void badOptionsAreRefusedWithTheReason() {
        assertRefused("--nodes 3 must name 4 nodes at least", "takes values from 4 to 16", "--nodes", "3");
        assertRefused("fewer streams than frontends", "--streams takes values from 4", "--frontends", "4", "--streams", "2");
        assertRefused("an envelope smaller than its headers", "--envelope-bytes: an envelope of channel 'bench' takes",
                "--envelope-bytes", "10");
        assertRefused("an envelope larger than a replica orders", "the replicas order envelopes of at most 65531 bytes",
                "--envelope-bytes", "70000");
        assertRefused("a block over the message size of a frontend", "--block-size x --envelope-bytes",
                "--envelope-bytes", "60000", "--block-size", "2000");
        assertRefused("a negative rate", "--rate takes values from 0", "--rate", "-5");
        assertRefused("a heap the JVM does not take", "--heap takes a JVM heap size", "--heap", "lots");
    }

    private static void assertRefused(String what, String message, String... options) {
        StringWriter err = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine().setErr(new PrintWriter(err, true));
        String[] args = new String[options.length + 2];
        args[0] = "bench";
        args[1] = "ordering";
        System.arraycopy(options, 0, args, 2, options.length);
        assertThat(command.execute(args)).as(what).isEqualTo(2);
        assertThat(err.toString()).as(what).contains(message);
        assertThat(Files.exists(Path.of("bench-out", "ordering"))).as("nothing written for %s", what).isFalse();
    }
}
