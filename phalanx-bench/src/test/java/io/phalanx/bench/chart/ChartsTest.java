package io.phalanx.bench.chart;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ChartsTest {
    @TempDir
    Path dir;

    @Test
    void throughputAgainstClientsOneLinePerConfigurationFromACsv() throws IOException {
        CsvTable results = new CsvTable("config", "clients", "requestsPerSecond");
        for (int clients : new int[] {1, 10, 50, 100}) {
            results.addRow("n=4", clients, 900.0 * Math.min(clients, 10));
            results.addRow("n=7", clients, 700.0 * Math.min(clients, 10));
        }
        Path csv = dir.resolve("throughput.csv");
        results.write(csv);
        Path png = dir.resolve("throughput.png");

        Charts.lineChart(png, ChartSpec.of("Throughput", "clients", "requests/s").withSize(800, 500),
                Series.fromTable(CsvTable.read(csv), "config", "clients", "requestsPerSecond"), List.of());

        assertThat(CsvTable.read(csv)).isEqualTo(results);
        assertDecodesTo(png, 800, 500);
    }

    @Test
    void throughputOverTimeWithEventMarkers() throws IOException {
        CsvTable timeline = new CsvTable("second", "requestsPerSecond");
        for (int s = 0; s < 60; s++) {
            timeline.addRow(s, s >= 20 && s < 24 ? 0 : 9000);
        }
        Path png = dir.resolve("timeline.png");

        Charts.lineChart(png, ChartSpec.of("Leader failure", "time (s)", "requests/s"),
                List.of(Series.fromColumns(timeline, "n=4", "second", "requestsPerSecond")),
                List.of(new EventMarker(20, "leader killed"), new EventMarker(24, "regency 1 installed")));

        assertDecodesTo(png, 1000, 600);
    }

    @Test
    void latencyCdfOfTaggedHistogramsOnALogAxis() throws IOException {
        SplittableRandom random = new SplittableRandom(1);
        Histogram fast = new Histogram(3_600_000_000L, 3);
        Histogram slow = new Histogram(3_600_000_000L, 3);
        fast.setTag("batch=100");
        slow.setTag("batch=400");
        for (int i = 0; i < 10_000; i++) {
            fast.recordValue(200 + random.nextInt(800));
            slow.recordValue(1_000 + random.nextInt(20_000));
        }
        fast.recordValue(0);
        Path png = dir.resolve("latency.png");

        Charts.latencyCdf(png, ChartSpec.of("Latency CDF", "latency (us)", "fraction of requests").withSize(640, 480),
                fast, slow, new Histogram(3));

        assertDecodesTo(png, 640, 480);
    }

    @Test
    void throughputPerConfigurationAsGroupedBarsFromACsv() throws IOException {
        CsvTable results = new CsvTable("offered", "configuration", "tx_per_s");
        for (String offered : List.of("saturated", "1000/s")) {
            results.addRow(offered, "n=4, 1 frontend", offered.equals("saturated") ? 2200 : 970);
            results.addRow(offered, "n=7, 4 frontends", offered.equals("saturated") ? 900 : 880);
        }
        List<Bars> sets = Bars.fromTable(results, "offered", "configuration", "tx_per_s");
        assertThat(sets).extracting(Bars::name).containsExactly("saturated", "1000/s");
        assertThat(sets.get(1).bars()).containsExactly(new Bars.Bar("n=4, 1 frontend", 970),
                new Bars.Bar("n=7, 4 frontends", 880));
        Path png = dir.resolve("bars.png");

        Charts.barChart(png, ChartSpec.of("Throughput", "configuration", "tx/s").withSize(700, 500), sets);

        assertDecodesTo(png, 700, 500);
    }

    private static void assertDecodesTo(Path png, int width, int height) throws IOException {
        assertThat(png).exists();
        assertThat(Files.size(png)).isPositive();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }
}
