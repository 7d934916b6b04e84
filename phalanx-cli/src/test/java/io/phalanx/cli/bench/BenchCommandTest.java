package io.phalanx.cli.bench;

import io.phalanx.bench.chart.CsvTable;
import io.phalanx.cli.PhalanxCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the benchmark commands working on a tiny matrix: files appear and the numbers are
 * sane. It says nothing about speed (benchmarks are never timed tests).
 */
class BenchCommandTest {

    @Test
    void throughputOnATinyMatrixWritesCsvAndCharts(@TempDir Path out) throws Exception {
        int exit = new CommandLine(new PhalanxCommand()).execute("bench", "throughput", "--configs", "bft4",
                "--sizes", "0/0", "--clients", "2", "--warmup", "1", "--duration", "3", "--out", out.toString());
        assertThat(exit).isZero();
        CsvTable table = CsvTable.read(out.resolve("throughput.csv"));
        assertThat(table.rowCount()).isEqualTo(2); // the unreplicated baseline and bft4
        for (int row = 0; row < 2; row++) {
            assertThat(table.getDouble(row, "ops_per_s")).isPositive();
            assertThat(table.getDouble(row, "p50_ms")).isPositive().isLessThanOrEqualTo(table.getDouble(row, "p99_ms"));
            assertThat(table.getDouble(row, "failures")).isZero();
        }
        assertThat(table.getDouble(0, "efficiency")).isEqualTo(1.0);
        assertThat(ImageIO.read(out.resolve("throughput-0-0.png").toFile())).isNotNull();
        assertThat(ImageIO.read(out.resolve("latency-cdf-0-0.png").toFile())).isNotNull();
    }

    @Test
    void timelineWritesTheSamplesTheEventsAndAChart(@TempDir Path out) throws Exception {
        int exit = new CommandLine(new PhalanxCommand()).execute("bench", "timeline", "--duration", "14",
                "--clients", "2", "--out", out.toString());
        assertThat(exit).isZero();
        CsvTable timeline = CsvTable.read(out.resolve("timeline.csv"));
        assertThat(timeline.rowCount()).isEqualTo(14);
        double total = 0;
        for (int row = 0; row < timeline.rowCount(); row++) {
            total += timeline.getDouble(row, "ops");
        }
        assertThat(total).isPositive();
        assertThat(CsvTable.read(out.resolve("events.csv")).rowCount()).isEqualTo(3);
        assertThat(ImageIO.read(out.resolve("timeline.png").toFile())).isNotNull();
    }
}
