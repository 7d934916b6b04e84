package io.phalanx.cli.bench;

import io.phalanx.bench.chart.CsvTable;
import io.phalanx.cli.PhalanxCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code phalanx bench state-transfer} working on a tiny state (2 MiB), with either
 * key-value service: the restarted replica comes back by state transfer and the numbers in its
 * CSV row hang together. It says
 * nothing about speed (benchmarks are never timed tests).
 */
class StateTransferCommandTest {

    @ParameterizedTest
    @ValueSource(strings = {"kv", "kv-rocksdb"})
    void aTinyStateIsTransferredToTheRestartedReplicaWhichVotesAgain(String service, @TempDir Path out) throws Exception {
        // A faster paced load than the default reaches the checkpoint after the fill sooner.
        int exit = PhalanxCommand.commandLine().execute("bench", "state-transfer", "--service", service,
                "--state-bytes", "2m", "--value-bytes", "1024", "--paced-rate", "100", "--out", out.toString());
        assertThat(exit).isZero();

        CsvTable table = CsvTable.read(out.resolve("state-transfer.csv"));
        assertThat(table.rowCount()).isEqualTo(1);
        assertThat(table.get(0, "service")).isEqualTo(service);
        assertThat(table.get(0, "state_bytes")).isEqualTo("2097152");
        assertThat(table.get(0, "value_bytes")).isEqualTo("1024");
        assertThat(table.getDouble(0, "fill_seconds")).isPositive();
        double start = table.getDouble(0, "transfer_start_seconds");
        double transfer = table.getDouble(0, "transfer_seconds");
        assertThat(start).isPositive();
        assertThat(transfer).isNotNegative();
        // Voting again comes after the transfer: the checkpoint, then the decisions after it.
        assertThat(table.getDouble(0, "back_seconds")).isGreaterThanOrEqualTo(start + transfer);
        if (!table.get(0, "chunks").isEmpty()) {
            assertThat(table.getDouble(0, "chunks")).isEqualTo(3); // 2 MiB of values and keys, chunks of 1 MiB
        }
        assertThat(table.getDouble(0, "checkpoint")).isGreaterThanOrEqualTo(255);
        assertThat(table.getDouble(0, "heap_max_mib")).isEqualTo(256);
        assertThat(table.getDouble(0, "peak_heap_mib")).isPositive().isLessThanOrEqualTo(256);
        assertThat(table.getDouble(0, "peak_after_gc_mib")).isPositive()
                .isLessThanOrEqualTo(table.getDouble(0, "peak_heap_mib"));
        assertThat(table.getDouble(0, "peers_peak_after_gc_mib")).isPositive();
        if (transfer >= 1) {
            assertThat(table.getDouble(0, "ops_per_s_during_transfer")).isPositive();
        }

        CsvTable progress = CsvTable.read(out.resolve("progress.csv"));
        int last = progress.rowCount() - 1;
        assertThat(progress.get(0, "voting")).isEqualTo("0");
        assertThat(progress.get(0, "flags")).contains("RECOVERING");
        assertThat(progress.get(last, "voting")).isEqualTo("1");
        assertThat(progress.getDouble(last, "decided")).isGreaterThanOrEqualTo(table.getDouble(0, "checkpoint"));
        assertThat(CsvTable.read(out.resolve("heap.csv")).rowCount()).isPositive();
        assertThat(CsvTable.read(out.resolve("writes.csv")).rowCount()).isPositive();
        for (String chart : new String[] {"progress-1.png", "heap-1.png", "writes-1.png"}) {
            assertThat(ImageIO.read(out.resolve(chart).toFile())).as(chart).isNotNull();
        }
    }

    @Test
    void aStateThatDoesNotFitTheKeyValueServiceIsRefusedBeforeAnythingStarts(@TempDir Path out) {
        StringWriter err = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine().setErr(new PrintWriter(err));
        assertThat(command.execute("bench", "state-transfer", "--state-bytes", "2g", "--value-bytes", "1024",
                "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("needs 2097152 keys").contains("use larger values");

        // RocksDB keeps the state off the heap, but its map has the same bound on keys.
        err.getBuffer().setLength(0);
        assertThat(command.execute("bench", "state-transfer", "--service", "kv-rocksdb", "--state-bytes", "2g",
                "--value-bytes", "1024", "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("needs 2097152 keys").contains("(kv-rocksdb)");

        err.getBuffer().setLength(0);
        assertThat(command.execute("bench", "state-transfer", "--service", "noop", "--state-bytes", "2m",
                "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--service must be kv or kv-rocksdb, got 'noop'");

        err.getBuffer().setLength(0);
        assertThat(command.execute("bench", "state-transfer", "--state-bytes", "64q", "--out", out.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("not a byte count: '64q'");
    }
}
