package io.phalanx.cli.bench;

import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.chart.Series;
import io.phalanx.bench.process.CpuSteal;
import io.phalanx.bench.process.LoadPhase;
import io.phalanx.bench.process.LoadResult;
import io.phalanx.bench.process.ProcessCluster;
import io.phalanx.cli.PhalanxCommand;
import io.phalanx.runtime.config.Mode;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench throughput}: BFT-SMaRt's microbenchmark matrix. For every request/reply
 * size and cluster configuration it starts the replicas as separate JVMs on 127.0.0.1 running
 * the no-op service, drives them from a separate load-generator JVM with closed-loop clients,
 * warms up, measures, and records the median of the 1-second throughput samples and the
 * latency percentiles. The unreplicated baseline is a single replica (n = 1): the same client
 * transport, TLS and service, and no replication, so {@code efficiency = throughput × n ÷
 * baseline} (on one machine every replica does the baseline's work, so 1.0 is the ceiling).
 *
 * <p>Warm-up: the replica JVMs of a (size, configuration) cluster and its one load-generator
 * JVM stay up across its client counts, so only the first phase needs the full
 * {@code --warmup} (JIT, buffer pools, TLS sessions); each client count then gets
 * {@code --rewarmup} seconds to reach its steady state before it is measured. The warm-up
 * phase's per-second counts go to {@code warmup.csv} and a chart per size, which shows whether
 * {@code --warmup} was long enough.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = {"Throughput/latency matrix with replicas as separate processes; CSV and PNG charts.",
                "Default: the full matrix (sizes 0/0 0/1024 1024/0 1024/1024; BFT n=4,7,10 and CFT n=3,5,7;",
                "1, 10, 50, 200 clients; 60 s measured per run: about 2.6 hours).",
                "The replicas and the load generator of a cluster stay up across its client counts. Each",
                "cluster is first warmed up for --warmup seconds (default 60) under the largest client count,",
                "so the JIT sees the hot paths quickly; then every client count gets --rewarmup seconds",
                "(default 10, or --warmup if shorter) to settle before it is measured.",
                "warmup.csv and warmup-REQ-REPLY.png: ops/s second by second over each cluster's warm-up",
                "run, to check that --warmup was long enough.",
                "steal_pct: the VM's CPU steal time over the measured window (from /proc/stat), to tell a slow",
                "row from a slow host.",
                "--durability none,async,sync: the durability mode of the replicas (default: sync, the",
                "cluster file's default), a dimension of the matrix; charts are drawn per mode.",
                "--quick: BFT n=4 and the baseline, 0/0, 10 clients, 5 s + 5 s (about a minute)."})
public final class ThroughputCommand implements Callable<Integer> {
    /** A cluster configuration of the matrix. */
    record Config(String name, Mode mode, int n, int f) {
    }

    private static final Map<String, Config> CONFIGS = new LinkedHashMap<>();

    static {
        for (Config c : List.of(new Config("bft4", Mode.BFT, 4, 1), new Config("bft7", Mode.BFT, 7, 2),
                new Config("bft10", Mode.BFT, 10, 3), new Config("cft3", Mode.CFT, 3, 1),
                new Config("cft5", Mode.CFT, 5, 2), new Config("cft7", Mode.CFT, 7, 3))) {
            CONFIGS.put(c.name(), c);
        }
    }

    private static final Config BASELINE = new Config("unreplicated", Mode.CFT, 1, 0);
    private static final int REWARMUP_SECONDS_DEFAULT = 10;

    @Option(names = "--out", defaultValue = "bench-out/throughput", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--quick", description = "A one-minute smoke run.")
    boolean quick;
    @Option(names = "--configs", split = ",", description = "Subset of bft4,bft7,bft10,cft3,cft5,cft7.")
    List<String> configs;
    @Option(names = "--sizes", split = ",", description = "Request/reply sizes, e.g. 0/0,1024/1024.")
    List<String> sizes;
    @Option(names = "--clients", split = ",", description = "Outstanding requests (closed-loop clients), e.g. 1,10,50,200.")
    List<Integer> clients;
    @Option(names = "--warmup", description = "Warm-up seconds of each cluster's first run (default 60; --quick: 5).")
    Integer warmup;
    @Option(names = "--rewarmup", description = "Warm-up seconds of the later client counts on an already warm cluster"
            + " (default: " + REWARMUP_SECONDS_DEFAULT + ", or --warmup if shorter).")
    Integer rewarmup;
    @Option(names = "--duration", description = "Measured seconds per run.")
    Integer duration;
    @Option(names = "--pipeline", description = "batch.pipelineMax of the measured clusters: instances the leader"
            + " keeps open at once (default: the cluster file's default, 1 = one at a time).")
    Integer pipeline;

    @Option(names = "--durability", split = ",", description = "Durability modes to measure: none, async, sync"
            + " (default: sync).")
    List<String> durabilities;

    @Option(names = "--io-threads", description = "Network threads of each replica (default: the replica's default, 1).")
    Integer ioThreads;

    @Option(names = "--heap", defaultValue = "256m", description = "Heap of each replica JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    private final CsvTable table = new CsvTable("config", "mode", "n", "f", "durability", "request_bytes", "reply_bytes", "clients",
            "ops_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "failures", "efficiency", "steal_pct");
    private final CsvTable warmupTable = new CsvTable("config", "durability", "request_bytes", "reply_bytes", "clients",
            "second", "ops");
    private int runsDone;
    private int runsTotal;
    private boolean failures;

    @Override
    public Integer call() throws Exception {
        List<Config> chosen = chosenConfigs();
        List<String> sizeList = sizes != null ? sizes : quick ? List.of("0/0") : List.of("0/0", "0/1024", "1024/0", "1024/1024");
        List<Integer> clientList = clients != null ? clients : quick ? List.of(10) : List.of(1, 10, 50, 200);
        int warmupSeconds = warmup != null ? warmup : quick ? 5 : 60;
        int rewarmupSeconds = rewarmup != null ? rewarmup : Math.min(REWARMUP_SECONDS_DEFAULT, warmupSeconds);
        int durationSeconds = duration != null ? duration : quick ? 5 : 60;
        Files.createDirectories(out);
        List<String> modes = durabilities != null ? durabilities : List.of("sync");
        for (String mode : modes) {
            if (!List.of("none", "async", "sync").contains(mode)) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--durability takes none, async and sync, got " + mode);
            }
        }
        runsTotal = sizeList.size() * modes.size() * (chosen.size() + 1) * clientList.size();
        int warmupClients = clientList.stream().mapToInt(Integer::intValue).max().orElseThrow();
        for (String size : sizeList) {
            for (String durability : modes) {
                measure(size, durability, chosen, clientList, warmupClients, warmupSeconds, rewarmupSeconds,
                        durationSeconds);
            }
        }
        System.out.println("wrote " + out.resolve("throughput.csv") + ", " + out.resolve("warmup.csv") + " and charts in "
                + out);
        return failures ? 1 : 0;
    }

    /** Every cluster of the matrix at one size and durability mode, the unreplicated baseline first. */
    private void measure(String size, String durability, List<Config> chosen, List<Integer> clientList, int warmupClients,
                         int warmupSeconds, int rewarmupSeconds, int durationSeconds) throws Exception {
        int[] bytes = parseSize(size);
        Map<Integer, Double> baseline = new LinkedHashMap<>();
        Map<String, Histogram> cdfs = new LinkedHashMap<>();
        List<Config> runOrder = new ArrayList<>();
        runOrder.add(BASELINE);
        runOrder.addAll(chosen);
        for (Config config : runOrder) {
            Path runDir = out.resolve("runs").resolve(config.name() + "-" + durability + "-" + bytes[0] + "-" + bytes[1]);
            ProcessCluster.deleteQuietly(runDir);
            List<String> replicaArgs = new ArrayList<>(List.of("--service", "noop", "--reply-bytes",
                    Integer.toString(bytes[1])));
            if (ioThreads != null) {
                replicaArgs.addAll(List.of("--io-threads", Integer.toString(ioThreads)));
            }
            try (ProcessCluster cluster = ProcessCluster.create(PhalanxCommand.class.getName(), runDir, config.n(),
                    config.f(), config.mode(), heap, replicaArgs, null)) {
                if (pipeline != null) {
                    cluster.pipelineMax(pipeline);
                }
                cluster.durability(durability);
                cluster.startAll();
                // One load generator runs every client count of this cluster, after warming
                // up (with the replicas) under the heaviest load: at one client the JIT would
                // take minutes to compile the hot paths (with five JVMs on two cores even longer).
                LoadPhase warmupPhase = new LoadPhase("warmup", warmupClients, warmupSeconds, 0);
                List<LoadPhase> phases = new ArrayList<>(List.of(warmupPhase));
                for (int c : clientList) {
                    phases.add(new LoadPhase("load-" + c, c, rewarmupSeconds, durationSeconds));
                }
                Path loadDir = runDir.resolve("load");
                Process generator = cluster.startLoad(loadDir, bytes[0], phases);
                try {
                    LoadResult warm = ProcessCluster.awaitPhase(generator, loadDir, warmupPhase);
                    recordWarmup(config, durability, bytes, warmupClients, warm);
                    System.err.printf(Locale.ROOT, "      %-12s %s  warmed up %d s at %d clients, last second %d ops/s%n",
                            config.name(), size, warmupSeconds, warmupClients,
                            warm.opsPerSecond().isEmpty() ? 0 : warm.opsPerSecond().get(warm.opsPerSecond().size() - 1));
                    for (LoadPhase phase : phases.subList(1, phases.size())) {
                        LoadResult result = ProcessCluster.awaitPhase(generator, loadDir, phase);
                        record(config, durability, size, bytes, phase.outstanding(), result, baseline);
                        // The CDF chart shows each cluster's last client count.
                        result.latencyMicros().setTag(config.name() + " (" + phase.outstanding() + " clients)");
                        cdfs.put(config.name(), result.latencyMicros());
                    }
                    ProcessCluster.awaitExit(generator, loadDir);
                } finally {
                    generator.destroyForcibly();
                }
            }
        }
        charts(size, durability, bytes, cdfs, warmupClients);
    }

    private List<Config> chosenConfigs() {
        List<Config> chosen = new ArrayList<>();
        for (String name : configs != null ? configs : quick ? List.of("bft4") : List.copyOf(CONFIGS.keySet())) {
            Config c = CONFIGS.get(name.toLowerCase(Locale.ROOT));
            if (c == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown config " + name);
            }
            chosen.add(c);
        }
        return chosen;
    }

    /** Adds one run's row to throughput.csv (rewritten after every run, so an interrupted matrix keeps its results). */
    private void record(Config config, String durability, String size, int[] bytes, int clientCount, LoadResult result,
                        Map<Integer, Double> baseline) throws Exception {
        double ops = result.medianOpsPerSecond();
        if (config == BASELINE) {
            baseline.put(clientCount, ops);
        }
        Double base = baseline.get(clientCount);
        double efficiency = base == null || base == 0 ? 0 : ops * config.n() / base;
        double steal = result.meanStealPercent();
        table.addRow(config.name(), config.mode().name().toLowerCase(Locale.ROOT), config.n(), config.f(), durability,
                bytes[0], bytes[1], clientCount, Math.round(ops), fmt(result.percentileMs(50)),
                fmt(result.percentileMs(90)), fmt(result.percentileMs(99)), fmt(result.percentileMs(99.9)),
                fmt(result.latencyMicros().getMaxValue() / 1000.0), result.failures(), fmt(efficiency),
                CpuSteal.csvCell(steal));
        failures |= result.failures() > 0 || ops <= 0;
        runsDone++;
        System.err.printf(Locale.ROOT, "[%d/%d] %-12s %-5s %s  clients=%-4d %8.0f ops/s  p50 %.2f ms  p99 %.2f ms  efficiency %.2f%s%n",
                runsDone, runsTotal, config.name(), durability, size, clientCount, ops, result.percentileMs(50),
                result.percentileMs(99), efficiency,
                Double.isNaN(steal) ? "" : String.format(Locale.ROOT, "  steal %.0f%%", steal));
        table.write(out.resolve("throughput.csv"));
    }

    /** Adds a cluster's warm-up run, second by second, to warmup.csv. */
    private void recordWarmup(Config config, String durability, int[] bytes, int clientCount, LoadResult result)
            throws Exception {
        List<Long> ops = result.opsPerSecond();
        for (int i = 0; i < ops.size(); i++) {
            warmupTable.addRow(config.name(), durability, bytes[0], bytes[1], clientCount, i + 1, ops.get(i));
        }
        warmupTable.write(out.resolve("warmup.csv"));
    }

    private void charts(String size, String durability, int[] bytes, Map<String, Histogram> cdfs, int warmupClients)
            throws Exception {
        String suffix = bytes[0] + "-" + bytes[1] + "-" + durability;
        String what = "request/reply " + size + " bytes, durability " + durability;
        List<Series> series = Series.fromTable(rowsOf(table, bytes, durability), "config", "clients", "ops_per_s");
        Charts.lineChart(out.resolve("throughput-" + suffix + ".png"),
                ChartSpec.of("Throughput, " + what, "outstanding requests (clients)", "ops/s"), series, List.of());
        Charts.latencyCdf(out.resolve("latency-cdf-" + suffix + ".png"),
                ChartSpec.of("Latency CDF, " + what, "latency (µs)", "fraction of requests"),
                cdfs.values().toArray(Histogram[]::new));
        Charts.lineChart(out.resolve("warmup-" + suffix + ".png"),
                ChartSpec.of("Warm-up run of each cluster, " + what + ", " + warmupClients
                        + " clients", "time since the load started (s)", "ops/s"),
                Series.fromTable(rowsOf(warmupTable, bytes, durability), "config", "second", "ops"),
                List.of());
    }

    /** The rows of {@code source} (with request_bytes, reply_bytes and durability columns) for one size and mode. */
    private static CsvTable rowsOf(CsvTable source, int[] bytes, String durability) {
        CsvTable rows = new CsvTable(source.header());
        for (int row = 0; row < source.rowCount(); row++) {
            if (source.get(row, "request_bytes").equals(Integer.toString(bytes[0]))
                    && source.get(row, "reply_bytes").equals(Integer.toString(bytes[1]))
                    && source.get(row, "durability").equals(durability)) {
                rows.addRow(source.rows().get(row));
            }
        }
        return rows;
    }

    static int[] parseSize(String size) {
        String[] parts = size.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("a size is REQUEST/REPLY bytes, e.g. 0/1024; got " + size);
        }
        return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
