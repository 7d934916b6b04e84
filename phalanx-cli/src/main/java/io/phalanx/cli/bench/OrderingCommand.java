package io.phalanx.cli.bench;

import io.phalanx.bench.chart.Bars;
import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.fabric.FabricClient;
import io.phalanx.bench.fabric.FabricEnvelopes;
import io.phalanx.bench.fabric.Offer;
import io.phalanx.bench.process.CpuSteal;
import io.phalanx.bench.process.OrderingCluster;
import io.phalanx.bench.process.ProcessCluster;
import io.phalanx.cli.PhalanxCommand;
import io.phalanx.ordering.Blocks;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench ordering}: the ordering service's matrix (GitHub issue 16). For every
 * number of nodes, number of frontends and block size it starts the service as processes
 * ({@link OrderingCluster}: {@code phalanx orderer} and {@code phalanx frontend}), then for every
 * envelope size and offered rate a Fabric client in this JVM ({@link FabricClient}) broadcasts
 * through the frontends, paced or saturating, and reads every block back from each frontend,
 * checking it. Each such cell is warmed up and measured on its own: envelopes delivered and
 * blocks per second over the measured window, and the latency from broadcast to delivery of
 * the envelopes sent in it.
 */
@Command(name = "ordering", mixinStandardHelpOptions = true,
        description = {"Throughput and latency of the Fabric ordering service, nodes and frontends as processes;",
                "results.csv and PNG charts.",
                "Default: 4 and 7 nodes x 1 and 4 frontends x 10 and 100 envelopes per block x envelopes of",
                "40, 200, 1024 and 4096 bytes, saturated; 10 s warm-up and 30 s measured per cell (32 cells,",
                "about 45 minutes). The nodes and frontends of a (nodes, frontends, block size) stay up for",
                "its envelope sizes and rates, and are first warmed up with saturating load (--cluster-warmup).",
                "The load: --streams broadcast streams spread over the frontends; --rate R offers R envelopes",
                "a second (open loop, latency counted from when each was due), --rate 0 keeps --window",
                "envelopes unanswered (closed loop). Each frontend also delivers every block to the client,",
                "which checks the hash chain and a quorum of node signatures; an envelope's latency runs",
                "from its broadcast to its delivery by the frontend it went through.",
                "--quick: 4 nodes, 1 frontend, 10 per block, 40-byte envelopes, 20 s cluster warm-up, 3 s + 5 s",
                "(under a minute).",
                "See docs/ORDERING.md, \"Benchmark\", for the columns of results.csv."})
public final class OrderingCommand implements Callable<Integer> {
    private static final String CHANNEL = "bench";
    /** How long a cell's last envelopes may take to come back after its window. */
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final int NODES_MAX = 16;
    private static final int BLOCK_SIZE_MAX = 10_000;
    private static final int STREAMS_MAX = 64;
    private static final int WINDOW_MAX = 100_000;
    private static final int SECONDS_MAX = 3_600;
    /** Preferred bytes per block at least: the orderer's default. */
    private static final int BLOCK_BYTES_MIN = 512 << 10;
    /**
     * Envelope bytes of a block at most: a block crosses from a node to a frontend, and on to the
     * client, in one gRPC message of at most {@link Blocks#MESSAGE_BYTES_MAX}; 1 MiB of it is left
     * for the header and the signatures.
     */
    private static final int BLOCK_ENVELOPE_BYTES_MAX = Blocks.MESSAGE_BYTES_MAX - (1 << 20);
    /**
     * The largest envelope the service orders: a replica takes operations of at most 64 KiB (the
     * core's {@code operationBytesMax}), and a broadcast operation is the envelope and 5 bytes.
     */
    private static final int ENVELOPE_BYTES_MAX = (64 << 10) - 5;
    /** Cells of one run at most: transaction ids number them in five digits. */
    private static final int CELLS_MAX = 99_999;

    @Option(names = "--nodes", split = ",", description = "Ordering nodes, e.g. 4,7 (default: 4,7; --quick: 4).")
    List<Integer> nodes;
    @Option(names = "--frontends", split = ",", description = "Frontends, e.g. 1,4 (default: 1,4; --quick: 1).")
    List<Integer> frontends;
    @Option(names = "--envelope-bytes", split = ",",
            description = "Serialized size of each envelope, e.g. 40,200,1024,4096 (default: those; --quick: 40).")
    List<Integer> envelopeBytes;
    @Option(names = "--block-size", split = ",", description = "Envelopes per block at most, e.g. 10,100 (default: 10,100;"
            + " --quick: 10).")
    List<Integer> blockSizes;
    @Option(names = "--rate", split = ",", description = "Offered envelopes per second, 0 to saturate, e.g. 0,1000 (default: 0).")
    List<Integer> rates;
    @Option(names = "--duration", description = "Measured seconds per cell (default: 30; --quick: 5).")
    Integer duration;
    @Option(names = "--warmup", description = "Warm-up seconds per cell before its measured window (default: 10; --quick: 3).")
    Integer warmup;
    @Option(names = "--cluster-warmup",
            description = "Seconds of saturating load right after a cluster starts, before its first cell: the JIT"
                    + " compilers of six or more JVMs sharing two cores need about a minute (default: 90; --quick: 20).")
    Integer clusterWarmup;
    @Option(names = "--streams", defaultValue = "4",
            description = "Broadcast streams in all, spread over the frontends (default: ${DEFAULT-VALUE}).")
    int streams;
    @Option(names = "--window", defaultValue = "512",
            description = "Saturated (--rate 0): envelopes unanswered at all times, over all streams (default: ${DEFAULT-VALUE}).")
    int window;
    @Option(names = "--batch-timeout-ms", defaultValue = "500",
            description = "How long a block's first envelope waits for more (default: ${DEFAULT-VALUE}).")
    long batchTimeoutMs;
    @Option(names = "--heap", defaultValue = "512m", description = "Heap of each node and frontend JVM (default: ${DEFAULT-VALUE}).")
    String heap;
    @Option(names = "--out", defaultValue = "bench-out/ordering", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--quick", description = "A smoke run: one small cell, under a minute.")
    boolean quick;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CsvTable table = new CsvTable("nodes", "frontends", "envelope_bytes", "block_size", "offered_per_s",
            "tx_per_s", "blocks_per_s", "p50_ms", "p99_ms", "delivered", "errors", "steal_pct");

    /** The matrix as resolved from the options. */
    private record Matrix(List<Integer> nodes, List<Integer> frontends, List<Integer> envelopeBytes,
                          List<Integer> blockSizes, List<Integer> rates, int clusterWarmupSeconds, int warmupSeconds,
                          int durationSeconds) {
        int cells() {
            return nodes.size() * frontends.size() * envelopeBytes.size() * blockSizes.size() * rates.size();
        }
    }

    /** One cluster of the matrix. */
    private record ClusterKey(int nodes, int frontends, int blockSize) {
        String directoryName() {
            return "nodes" + nodes + "-frontends" + frontends + "-block" + blockSize;
        }
    }

    private int cellsDone;
    private boolean failures;

    @Override
    public Integer call() throws Exception {
        Matrix matrix = resolve();
        PrintWriter err = spec.commandLine().getErr();
        Files.createDirectories(out);
        err.printf(Locale.ROOT, "%d cells, %d s warm-up + %d s measured each, after %d s warming up each cluster;"
                + " results in %s%n", matrix.cells(), matrix.warmupSeconds(), matrix.durationSeconds(),
                matrix.clusterWarmupSeconds(), out);
        err.flush();
        int clusters = 0;
        for (int n : matrix.nodes()) {
            for (int f : matrix.frontends()) {
                for (int b : matrix.blockSizes()) {
                    runCluster(new ClusterKey(n, f, b), clusters++, matrix, err);
                    charts();
                }
            }
        }
        spec.commandLine().getOut().println("wrote " + out.resolve("results.csv") + ", " + out.resolve("throughput.png")
                + " and " + out.resolve("latency.png"));
        return failures ? 1 : 0;
    }

    private Matrix resolve() {
        Matrix matrix = new Matrix(listOr(nodes, List.of(4, 7), List.of(4)), listOr(frontends, List.of(1, 4), List.of(1)),
                listOr(envelopeBytes, List.of(40, 200, 1024, 4096), List.of(40)),
                listOr(blockSizes, List.of(10, 100), List.of(10)), listOr(rates, List.of(0), List.of(0)),
                clusterWarmup != null ? clusterWarmup : quick ? 20 : 90, warmup != null ? warmup : quick ? 3 : 10, duration != null ? duration : quick ? 5 : 30);
        requireEach("--nodes", matrix.nodes(), 4, NODES_MAX, " (BFT with f >= 1 needs 3f + 1 >= 4 nodes)");
        requireEach("--frontends", matrix.frontends(), 1, ProcessCluster.clientIds().size(),
                " (each is one of the generated cluster file's clients)");
        requireEach("--block-size", matrix.blockSizes(), 1, BLOCK_SIZE_MAX, "");
        requireEach("--rate", matrix.rates(), 0, Offer.Shape.RATE_MAX, " (0 saturates)");
        requireEach("--cluster-warmup", List.of(matrix.clusterWarmupSeconds()), 0, SECONDS_MAX, "");
        requireEach("--warmup", List.of(matrix.warmupSeconds()), 0, SECONDS_MAX, "");
        requireEach("--duration", List.of(matrix.durationSeconds()), 1, SECONDS_MAX, "");
        requireEach("--window", List.of(window), 1, WINDOW_MAX, "");
        requireEach("--streams", List.of(streams), Collections.max(matrix.frontends()), STREAMS_MAX,
                " (at least one per frontend)");
        if (batchTimeoutMs < 1) {
            throw bad("--batch-timeout-ms must be at least 1, not " + batchTimeoutMs);
        }
        if (!heap.matches("\\d{1,6}[kKmMgG]")) {
            throw bad("--heap takes a JVM heap size such as 512m, not " + heap);
        }
        if (matrix.cells() > CELLS_MAX) {
            throw bad("the matrix has " + matrix.cells() + " cells; at most " + CELLS_MAX);
        }
        String sampleTxId = Offer.Shape.sampleTxId(txIdPrefix(0));
        for (int bytes : matrix.envelopeBytes()) {
            if (bytes > ENVELOPE_BYTES_MAX) {
                throw bad("--envelope-bytes: the replicas order envelopes of at most " + ENVELOPE_BYTES_MAX
                        + " bytes (operations of 64 KiB), not " + bytes);
            }
            try {
                FabricEnvelopes.dataBytesFor(CHANNEL, sampleTxId, bytes);
            } catch (IllegalArgumentException e) {
                throw bad("--envelope-bytes: " + e.getMessage());
            }
        }
        long blockBytes = (long) Collections.max(matrix.blockSizes()) * Collections.max(matrix.envelopeBytes());
        if (blockBytes > BLOCK_ENVELOPE_BYTES_MAX) {
            throw bad("--block-size x --envelope-bytes: blocks of at most " + BLOCK_ENVELOPE_BYTES_MAX
                    + " bytes of envelopes, not " + blockBytes);
        }
        return matrix;
    }

    private List<Integer> listOr(List<Integer> given, List<Integer> full, List<Integer> smoke) {
        if (given != null && given.isEmpty()) {
            throw bad("an empty list");
        }
        return given != null ? List.copyOf(given) : quick ? smoke : full;
    }

    private void requireEach(String option, List<Integer> values, int min, int max, String why) {
        for (int value : values) {
            if (value < min || value > max) {
                throw bad(option + " takes values from " + min + " to " + max + why + ", not " + value);
            }
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Starts one cluster, measures its cells, stops it; a cluster that fails is reported and skipped. */
    private void runCluster(ClusterKey key, int clusterIndex, Matrix matrix, PrintWriter err) throws Exception {
        Path directory = out.resolve("runs").resolve(key.directoryName());
        ProcessCluster.deleteQuietly(directory);
        int blockBytes = (int) Math.max(BLOCK_BYTES_MIN, (long) key.blockSize() * Collections.max(matrix.envelopeBytes()));
        long started = System.nanoTime();
        int cellsBefore = cellsDone;
        try (OrderingCluster cluster = OrderingCluster.start(PhalanxCommand.class.getName(), directory, CHANNEL,
                new OrderingCluster.Settings(key.nodes(), key.frontends(), key.blockSize(), blockBytes, batchTimeoutMs, heap));
             FabricClient client = FabricClient.connect(CHANNEL, cluster.view(), cluster.frontends(), cluster.frontendKeys())) {
            err.printf(Locale.ROOT, "      %d nodes, %d frontend%s, %d per block: started in %.1f s (%s)%n", key.nodes(),
                    key.frontends(), key.frontends() == 1 ? "" : "s", key.blockSize(), (System.nanoTime() - started) / 1e9,
                    directory);
            err.flush();
            client.deliverFromStart();
            warmUp(client, clusterIndex, matrix.envelopeBytes().get(0), matrix.clusterWarmupSeconds(), err);
            for (int bytes : matrix.envelopeBytes()) {
                for (int rate : matrix.rates()) {
                    measure(client, key, bytes, rate, matrix, err);
                }
            }
        } catch (java.io.IOException e) {
            failures = true;
            cellsDone = cellsBefore + matrix.envelopeBytes().size() * matrix.rates().size();
            err.println("      " + key.directoryName() + " failed, its cells skipped: " + e.getMessage());
            err.flush();
        }
    }

    /**
     * Saturating load of {@code bytes}-byte envelopes for {@code seconds}, measured by nobody,
     * with the delivered rate shown every ten seconds: on two cores the C2 compiler of each of
     * the cluster's JVMs takes about a minute to reach the code a cell measures (throughput grows
     * about fourfold meanwhile, and stays flat with C1 alone), which one cell's own warm-up would
     * not cover.
     */
    private void warmUp(FabricClient client, int clusterIndex, int bytes, int seconds, PrintWriter err)
            throws Exception {
        if (seconds == 0) {
            return;
        }
        String prefix = String.format(Locale.ROOT, "w%05d-", clusterIndex);
        int dataBytes = FabricEnvelopes.dataBytesFor(CHANNEL, Offer.Shape.sampleTxId(prefix), bytes);
        long start = System.nanoTime();
        long end = start + Duration.ofSeconds(seconds).toNanos();
        Offer offer = client.offer(new Offer.Shape(prefix, dataBytes, 0, window, streams), end);
        long stepStart = start;
        long deliveredBefore = client.counts().delivered();
        while (stepStart < end) {
            long stepEnd = drive(offer, Math.min(end, stepStart + Duration.ofSeconds(10).toNanos()));
            long delivered = client.counts().delivered();
            err.printf(Locale.ROOT, "      warming up: %3.0f of %d s, %6.0f tx/s%n", (stepEnd - start) / 1e9, seconds,
                    (delivered - deliveredBefore) / ((stepEnd - stepStart) / 1e9));
            err.flush();
            deliveredBefore = delivered;
            stepStart = stepEnd;
        }
        offer.finish();
        offer.awaitSettled(SETTLE);
        if (offer.refused() + offer.failed() + offer.undelivered() > 0) {
            failures = true;
            err.printf(Locale.ROOT, "      warm-up: %d envelopes refused, %d failed, %d not delivered; first problem: %s%n",
                    offer.refused(), offer.failed(), offer.undelivered(), client.firstProblem());
        }
    }

    /** One cell: warm-up, measured window, then its last envelopes back; one row of results.csv. */
    private void measure(FabricClient client, ClusterKey key, int bytes, int rate, Matrix matrix, PrintWriter err)
            throws Exception {
        String prefix = txIdPrefix(cellsDone);
        int dataBytes = FabricEnvelopes.dataBytesFor(CHANNEL, Offer.Shape.sampleTxId(prefix), bytes);
        FabricClient.Counts before = client.counts();
        long measuredFrom = System.nanoTime() + Duration.ofSeconds(matrix.warmupSeconds()).toNanos();
        Offer offer = client.offer(new Offer.Shape(prefix, dataBytes, rate, rate == 0 ? window : Offer.PACED_WINDOW,
                streams), measuredFrom);
        CpuSteal steal = new CpuSteal();
        long windowStart = drive(offer, measuredFrom);
        FabricClient.Counts atStart = client.counts();
        steal.sincePrevious();
        long windowEnd = drive(offer, windowStart + Duration.ofSeconds(matrix.durationSeconds()).toNanos());
        FabricClient.Counts atEnd = client.counts();
        double stealPercent = steal.sincePrevious().orElse(Double.NaN);
        offer.finish();
        offer.awaitSettled(SETTLE);
        FabricClient.Counts window = atEnd.minus(atStart);
        long errors = offer.refused() + offer.failed() + offer.undelivered() + client.counts().minus(before).errors();
        record(key, bytes, rate, window, (windowEnd - windowStart) / 1e9, offer.latencyMicros(), errors, stealPercent,
                matrix, err);
        if (offer.undelivered() > 0) {
            err.printf(Locale.ROOT, "      %d envelopes not delivered %d s after the window%n", offer.undelivered(),
                    SETTLE.toSeconds());
        }
        if (errors > 0 && client.firstProblem() != null) {
            err.println("      first problem: " + client.firstProblem());
        }
    }

    /** Sends what is due until {@code untilNanos}; returns when it stopped. */
    private static long drive(Offer offer, long untilNanos) throws InterruptedException {
        long now;
        while ((now = System.nanoTime()) < untilNanos) {
            offer.sendDue(now);
            Thread.sleep(1);
        }
        return now;
    }

    private void record(ClusterKey key, int bytes, int rate, FabricClient.Counts window, double seconds,
                        Histogram latencyMicros, long errors, double stealPercent, Matrix matrix, PrintWriter err)
            throws Exception {
        double txPerSecond = window.delivered() / seconds;
        double blocksPerSecond = window.blocks() / seconds;
        double p50 = percentileMs(latencyMicros, 50);
        double p99 = percentileMs(latencyMicros, 99);
        table.addRow(key.nodes(), key.frontends(), bytes, key.blockSize(), rate, Math.round(txPerSecond),
                fmt(blocksPerSecond), fmt(p50), fmt(p99), window.delivered(), errors, CpuSteal.csvCell(stealPercent));
        table.write(out.resolve("results.csv"));
        failures |= errors > 0 || window.delivered() == 0;
        cellsDone++;
        err.printf(Locale.ROOT, "[%d/%d] %2d nodes  %d frontend%s  %5d B  %3d/block  %-10s %8.0f tx/s  %6.1f blocks/s"
                        + "  p50 %7.1f ms  p99 %7.1f ms  delivered %d  errors %d%s%n", cellsDone, matrix.cells(), key.nodes(),
                key.frontends(), key.frontends() == 1 ? " " : "s", bytes, key.blockSize(), offered(rate), txPerSecond,
                blocksPerSecond, p50, p99, window.delivered(), errors,
                Double.isNaN(stealPercent) ? "" : String.format(Locale.ROOT, "  steal %.0f%%", stealPercent));
        err.flush();
    }

    /** throughput.png and latency.png: a group of bars per configuration, a bar per offered rate (and percentile). */
    private void charts() throws Exception {
        CsvTable throughput = new CsvTable("offered", "configuration", "value");
        CsvTable latency = new CsvTable("series", "configuration", "value");
        for (int row = 0; row < table.rowCount(); row++) {
            String configuration = table.get(row, "nodes") + " nodes, " + table.get(row, "frontends") + " fe, "
                    + table.get(row, "envelope_bytes") + " B, " + table.get(row, "block_size") + "/block";
            String offered = offered(Integer.parseInt(table.get(row, "offered_per_s")));
            throughput.addRow(offered, configuration, table.get(row, "tx_per_s"));
            latency.addRow("p50, " + offered, configuration, table.get(row, "p50_ms"));
            latency.addRow("p99, " + offered, configuration, table.get(row, "p99_ms"));
        }
        int width = Math.min(ChartSpec.SIDE_PX_MAX, Math.max(1000, 300 + 40 * latency.rowCount()));
        Charts.barChart(out.resolve("throughput.png"), ChartSpec.of("Ordering service throughput",
                "configuration (nodes, frontends, envelope bytes, envelopes per block)", "envelopes delivered per second")
                .withSize(width, 700), Bars.fromTable(throughput, "offered", "configuration", "value"));
        Charts.barChart(out.resolve("latency.png"), ChartSpec.of("Ordering service latency, broadcast to delivery",
                "configuration (nodes, frontends, envelope bytes, envelopes per block)", "latency (ms)")
                .withSize(width, 700), Bars.fromTable(latency, "series", "configuration", "value"));
    }

    /** Transaction ids of cell {@code cell}: the same length for every cell, so envelope sizes are exact. */
    private static String txIdPrefix(int cell) {
        return String.format(Locale.ROOT, "c%05d-", cell);
    }

    private static String offered(int rate) {
        return rate == 0 ? "saturated" : rate + "/s";
    }

    private static double percentileMs(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
