package io.phalanx.cli.bench;

import io.phalanx.bench.chart.CsvTable;
import io.phalanx.cli.PhalanxCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the benchmark commands working on a tiny matrix: files appear and the numbers are
 * sane. It says nothing about speed (benchmarks are never timed tests).
 */
class BenchCommandTest {

    @Test
    void throughputOnATinyMatrixWritesCsvAndChartsAndWarmsUpEachClusterOnce(@TempDir Path out) throws Exception {
        int exit = PhalanxCommand.commandLine().execute("bench", "throughput", "--configs", "bft4",
                "--sizes", "0/0", "--clients", "1,2", "--warmup", "2", "--rewarmup", "1", "--duration", "3",
                "--out", out.toString());
        assertThat(exit).isZero();
        CsvTable table = CsvTable.read(out.resolve("throughput.csv"));
        assertThat(table.rowCount()).isEqualTo(4); // the unreplicated baseline and bft4, 1 and 2 clients each
        for (int row = 0; row < 4; row++) {
            assertThat(table.getDouble(row, "ops_per_s")).isPositive();
            assertThat(table.getDouble(row, "p50_ms")).isPositive().isLessThanOrEqualTo(table.getDouble(row, "p99_ms"));
            assertThat(table.getDouble(row, "failures")).isZero();
            assertThat(table.get(row, "durability")).isEqualTo("sync"); // the cluster file's default
            if (Files.isReadable(Path.of("/proc/stat"))) {
                assertThat(table.getDouble(row, "steal_pct")).isBetween(0.0, 100.0);
            }
        }
        assertThat(table.getDouble(0, "efficiency")).isEqualTo(1.0);
        assertThat(ImageIO.read(out.resolve("throughput-0-0-sync.png").toFile())).isNotNull();
        assertThat(ImageIO.read(out.resolve("latency-cdf-0-0-sync.png").toFile())).isNotNull();

        // Each cluster warms up once under the largest client count (--warmup, nothing measured);
        // every client count then gets --rewarmup before its measured window, all phases of one
        // load-generator JVM.
        for (String cluster : List.of("unreplicated-sync-0-0", "bft4-sync-0-0")) {
            Path runs = out.resolve("runs").resolve(cluster).resolve("load");
            assertThat(CsvTable.read(runs.resolve("warmup").resolve("samples.csv")).rowCount()).isEqualTo(2);
            assertThat(CsvTable.read(runs.resolve("load-1").resolve("samples.csv")).rowCount()).isEqualTo(1 + 3);
            assertThat(CsvTable.read(runs.resolve("load-2").resolve("samples.csv")).rowCount()).isEqualTo(1 + 3);
        }
        CsvTable warmup = CsvTable.read(out.resolve("warmup.csv"));
        assertThat(warmup.header()).containsExactly("config", "durability", "request_bytes", "reply_bytes", "clients", "second", "ops");
        assertThat(warmup.rowCount()).isEqualTo(2 * 2); // each cluster's warm-up run, second by second
        for (int row = 0; row < warmup.rowCount(); row++) {
            assertThat(warmup.get(row, "config")).isIn("unreplicated", "bft4");
            assertThat(warmup.get(row, "clients")).isEqualTo("2");
            assertThat(warmup.getDouble(row, "second")).isEqualTo(row % 2 + 1);
        }
        assertThat(ImageIO.read(out.resolve("warmup-0-0-sync.png").toFile())).isNotNull();
    }

    @Test
    void timelineHelpPrintsItsPercentages() {
        java.io.StringWriter help = new java.io.StringWriter();
        CommandLine command = PhalanxCommand.commandLine().setOut(new java.io.PrintWriter(help));
        assertThat(command.execute("bench", "timeline", "--help")).isZero();
        // A bare '%' in a picocli description is a format specifier: the text then came out raw, with a warning.
        assertThat(help.toString()).contains("At 15 % of the run follower r3 is killed and restarted at once")
                .contains("once; at 80 % the new leader is killed for good").doesNotContain("%n");
    }

    @Test
    void anEventsGapIsTheLongestRunOfSecondsWithoutAnOperationBeforeTheNextEvent() {
        List<Integer> ops = List.of(5, 0, 0, 3, 0, 0, 0, 4);
        assertThat(TimelineCommand.longestGap(ops, 0, 8)).isEqualTo(3);
        assertThat(TimelineCommand.longestGap(ops, 0, 4)).isEqualTo(2);
        assertThat(TimelineCommand.longestGap(ops, 7, 20)).isZero();
    }

    @Test
    void timelineWritesTheSamplesTheEventsAndAChart(@TempDir Path out) throws Exception {
        int exit = PhalanxCommand.commandLine().execute("bench", "timeline", "--duration", "30",
                "--clients", "2", "--out", out.toString());
        assertThat(exit).isZero();
        CsvTable timeline = CsvTable.read(out.resolve("timeline.csv"));
        assertThat(timeline.rowCount()).isEqualTo(30);
        double total = 0;
        for (int row = 0; row < timeline.rowCount(); row++) {
            total += timeline.getDouble(row, "ops");
        }
        assertThat(total).isPositive();
        assertThat(CsvTable.read(out.resolve("events.csv")).rowCount()).isEqualTo(5);
        // The leader killed for good at 80 % leaves r0, restarted at 60 %, as a needed voter:
        // throughput after it shows r0 came back.
        double after = 0;
        for (int row = 25; row < timeline.rowCount(); row++) {
            after += timeline.getDouble(row, "ops");
        }
        assertThat(after).as("operations in the last five seconds").isPositive();
        assertThat(ImageIO.read(out.resolve("timeline.png").toFile())).isNotNull();
    }
}
