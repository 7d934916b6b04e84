package io.phalanx.cli.bench;

import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.chart.Series;
import io.phalanx.runtime.config.Mode;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
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
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = {"Throughput/latency matrix with replicas as separate processes; CSV and PNG charts.",
                "Default: the full matrix (sizes 0/0 0/1024 1024/0 1024/1024; BFT n=4,7,10 and CFT n=3,5,7;",
                "1, 10, 50, 200 clients; 60 s warm-up and 60 s measured per run: hours).",
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
    @Option(names = "--warmup", description = "Warm-up seconds per run.")
    Integer warmup;
    @Option(names = "--duration", description = "Measured seconds per run.")
    Integer duration;
    @Option(names = "--heap", defaultValue = "256m", description = "Heap of each replica JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Override
    public Integer call() throws Exception {
        List<Config> chosen = new ArrayList<>();
        for (String name : configs != null ? configs : quick ? List.of("bft4") : List.copyOf(CONFIGS.keySet())) {
            Config c = CONFIGS.get(name.toLowerCase(Locale.ROOT));
            if (c == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "unknown config " + name);
            }
            chosen.add(c);
        }
        List<String> sizeList = sizes != null ? sizes : quick ? List.of("0/0") : List.of("0/0", "0/1024", "1024/0", "1024/1024");
        List<Integer> clientList = clients != null ? clients : quick ? List.of(10) : List.of(1, 10, 50, 200);
        int warmupSeconds = warmup != null ? warmup : quick ? 5 : 60;
        int durationSeconds = duration != null ? duration : quick ? 5 : 60;
        Files.createDirectories(out);
        PrintStream err = System.err;
        CsvTable table = new CsvTable("config", "mode", "n", "f", "request_bytes", "reply_bytes", "clients", "ops_per_s",
                "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "failures", "efficiency");
        int total = sizeList.size() * (chosen.size() + 1) * clientList.size();
        int done = 0;
        boolean failures = false;
        for (String size : sizeList) {
            int[] bytes = parseSize(size);
            Map<Integer, Double> baseline = new LinkedHashMap<>();
            Map<String, Histogram> cdfs = new LinkedHashMap<>();
            List<Config> runOrder = new ArrayList<>();
            runOrder.add(BASELINE);
            runOrder.addAll(chosen);
            for (Config config : runOrder) {
                Path runDir = out.resolve("runs").resolve(config.name() + "-" + bytes[0] + "-" + bytes[1]);
                ProcessCluster.deleteQuietly(runDir);
                try (ProcessCluster cluster = ProcessCluster.create(runDir, config.n(), config.f(), config.mode(), heap,
                        List.of("--service", "noop", "--reply-bytes", Integer.toString(bytes[1])), null)) {
                    cluster.startAll();
                    for (int c : clientList) {
                        LoadResult result = LoadResult.read(cluster.runLoad("load-" + c, c, bytes[0], warmupSeconds,
                                durationSeconds));
                        double ops = result.medianOpsPerSecond();
                        if (config == BASELINE) {
                            baseline.put(c, ops);
                        }
                        Double base = baseline.get(c);
                        double efficiency = base == null || base == 0 ? 0 : ops * config.n() / base;
                        table.addRow(config.name(), config.mode().name().toLowerCase(Locale.ROOT), config.n(), config.f(),
                                bytes[0], bytes[1], c, Math.round(ops), fmt(result.percentileMs(50)),
                                fmt(result.percentileMs(90)), fmt(result.percentileMs(99)), fmt(result.percentileMs(99.9)),
                                fmt(result.latencyMicros().getMaxValue() / 1000.0), result.failures(), fmt(efficiency));
                        failures |= result.failures() > 0 || ops <= 0;
                        if (c == clientList.get(clientList.size() - 1)) {
                            result.latencyMicros().setTag(config.name() + " (" + c + " clients)");
                            cdfs.put(config.name(), result.latencyMicros());
                        }
                        done++;
                        err.printf(Locale.ROOT, "[%d/%d] %-12s %s  clients=%-4d %8.0f ops/s  p50 %.2f ms  p99 %.2f ms  efficiency %.2f%n",
                                done, total, config.name(), size, c, ops, result.percentileMs(50), result.percentileMs(99),
                                efficiency);
                        table.write(out.resolve("throughput.csv")); // partial results survive an interrupted run
                    }
                }
            }
            charts(table, size, bytes, cdfs);
        }
        System.out.println("wrote " + out.resolve("throughput.csv") + " and charts in " + out);
        return failures ? 1 : 0;
    }

    private void charts(CsvTable table, String size, int[] bytes, Map<String, Histogram> cdfs) throws Exception {
        CsvTable rows = new CsvTable(table.header());
        for (int row = 0; row < table.rowCount(); row++) {
            if (table.get(row, "request_bytes").equals(Integer.toString(bytes[0]))
                    && table.get(row, "reply_bytes").equals(Integer.toString(bytes[1]))) {
                rows.addRow(table.rows().get(row));
            }
        }
        String suffix = bytes[0] + "-" + bytes[1];
        List<Series> series = Series.fromTable(rows, "config", "clients", "ops_per_s");
        Charts.lineChart(out.resolve("throughput-" + suffix + ".png"),
                ChartSpec.of("Throughput, request/reply " + size + " bytes", "outstanding requests (clients)", "ops/s"),
                series, List.of());
        Charts.latencyCdf(out.resolve("latency-cdf-" + suffix + ".png"),
                ChartSpec.of("Latency CDF, request/reply " + size + " bytes", "latency (µs)", "fraction of requests"),
                cdfs.values().toArray(Histogram[]::new));
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
