package io.phalanx.cli.bench;

import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.chart.EventMarker;
import io.phalanx.bench.chart.Series;
import io.phalanx.runtime.config.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench timeline}: throughput in 1-second buckets over one run of a 4-replica
 * BFT cluster (separate JVMs, no-op service) while sporadic events happen — a follower is
 * killed (SIGKILL) and restarted, then the leader is killed — drawn as a chart with the events
 * marked, with the CSV behind it.
 */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = {"Throughput over time while replicas are killed and restarted; CSV and a PNG with the events.",
                "A follower is killed at 25 %% of the run and restarted at 45 %% (empty: it replays the run's",
                "decisions from its peers); the leader is killed at 65 %%.",
                "--quick: a 40 s run with 10 clients."})
public final class TimelineCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "bench-out/timeline", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--quick", description = "A 40-second smoke run.")
    boolean quick;
    @Option(names = "--duration", description = "Seconds of load (default 120; 40 with --quick).")
    Integer duration;
    @Option(names = "--clients", description = "Outstanding requests (default 50; 10 with --quick).")
    Integer clients;
    @Option(names = "--heap", defaultValue = "512m", description = "Heap of each replica JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    /**
     * Decisions kept for catch-up: enough for the whole run, so the follower restarted empty
     * can replay everything from its peers (state transfer comes with durability).
     */
    private static final int DECISION_LOG_MAX = 200_000;

    /** One sporadic event, at a second of the run. */
    private record Event(int second, String label, int replica, boolean restart) {
    }

    @Override
    public Integer call() throws Exception {
        int seconds = duration != null ? duration : quick ? 40 : 120;
        int load = clients != null ? clients : quick ? 10 : 50;
        Files.createDirectories(out);
        Path runDir = out.resolve("run");
        ProcessCluster.deleteQuietly(runDir);
        List<Event> events = List.of(
                new Event(seconds * 25 / 100, "follower r3 killed", 3, false),
                new Event(seconds * 45 / 100, "r3 restarted", 3, true),
                new Event(seconds * 65 / 100, "leader r0 killed", 0, false));
        List<String> happened = new ArrayList<>();
        try (ProcessCluster cluster = ProcessCluster.create(runDir, 4, 1, Mode.BFT, heap, List.of("--service", "noop"),
                DECISION_LOG_MAX)) {
            cluster.startAll();
            LoadPhase phase = new LoadPhase("load", load, 0, seconds);
            Path loadDir = runDir.resolve(phase.name());
            Process generator = cluster.startLoad(runDir, 0, List.of(phase));
            long startNanos = awaitFirstSample(loadDir.resolve("samples.csv")) - 1_000_000_000L;
            for (Event event : events) {
                long at = startNanos + event.second() * 1_000_000_000L;
                while (System.nanoTime() < at) {
                    Thread.sleep(Math.min(200, Math.max(1, (at - System.nanoTime()) / 1_000_000)));
                }
                if (event.restart()) {
                    cluster.start(event.replica());
                } else {
                    cluster.kill(event.replica());
                }
                happened.add(event.second() + "," + event.label());
                System.err.printf(Locale.ROOT, "[%3d s] %s%n", event.second(), event.label());
            }
            LoadResult result = ProcessCluster.awaitPhase(generator, runDir, phase);
            ProcessCluster.awaitExit(generator, runDir);
            CsvTable timeline = new CsvTable("second", "ops", "steal_pct");
            for (int i = 0; i < result.opsPerSecond().size(); i++) {
                timeline.addRow(i + 1, result.opsPerSecond().get(i), CpuSteal.csvCell(result.stealPercent().get(i)));
            }
            timeline.write(out.resolve("timeline.csv"));
            CsvTable eventTable = new CsvTable("second", "event");
            List<EventMarker> markers = new ArrayList<>();
            for (Event event : events) {
                eventTable.addRow(event.second(), event.label());
                markers.add(new EventMarker(event.second(), event.label()));
            }
            eventTable.write(out.resolve("events.csv"));
            Charts.lineChart(out.resolve("timeline.png"),
                    ChartSpec.of("Throughput under sporadic events (BFT n=4, " + load + " clients, 0/0)", "time (s)",
                            "ops/s"), List.of(Series.fromColumns(timeline, "ops/s", "second", "ops")), markers);
            System.out.println("wrote " + out.resolve("timeline.csv") + ", events.csv and timeline.png in " + out
                    + " (" + result.failures() + " failed requests)");
            return result.failures() == 0 ? 0 : 1;
        }
    }

    /** Waits for the load generator's first 1-second sample; returns when it appeared (nanoTime). */
    private static long awaitFirstSample(Path samples) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(samples) && Files.readAllLines(samples).size() >= 2) {
                return System.nanoTime();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the load generator produced no sample within 60 s");
    }
}
