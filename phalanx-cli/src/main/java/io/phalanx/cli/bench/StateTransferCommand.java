package io.phalanx.cli.bench;

import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.chart.EventMarker;
import io.phalanx.bench.chart.Series;
import io.phalanx.bench.process.ByteSize;
import io.phalanx.bench.process.GcLog;
import io.phalanx.bench.process.ReplicaLog;
import io.phalanx.bench.process.StateTransferBench;
import io.phalanx.bench.process.StateTransferBench.Restart;
import io.phalanx.cli.Logs;
import io.phalanx.cli.PhalanxCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench state-transfer}: the time to move a state of N bytes to a replica that
 * lost its disk ({@link StateTransferBench}), as CSV and PNG charts of the restarted replica's
 * progress, heap and the writes the cluster served meanwhile.
 */
@Command(name = "state-transfer", mixinStandardHelpOptions = true,
        description = {"Time to move a state of N bytes to a restarted replica that lost its disk.",
                "Starts a 4-replica BFT cluster of `phalanx replica --service kv` (or kv-rocksdb)",
                "processes (durability sync) and fills it with N bytes of values through",
                "closed-loop clients. Then, under a light paced write load, kills a follower (SIGKILL),",
                "deletes its data directory and starts it again. Reports when its state",
                "transfer started and ended and when it voted again (from its log), its peak",
                "heap (from its GC log), and the writes the others served meanwhile.",
                "With --service kv the replicas keep the state on the heap (--heap 1g for",
                "--state-bytes 64m); with kv-rocksdb it is in RocksDB and checkpoints on disk.",
                "Writes state-transfer.csv, progress.csv, heap.csv, writes.csv and PNG charts",
                "in --out; the replicas' logs, GC logs and data stay in --out/run."})
public final class StateTransferCommand implements Callable<Integer> {
    @Option(names = "--service", defaultValue = "kv", description = "The replicas' service: kv (the key-value map on"
            + " the heap) or kv-rocksdb (the same map in RocksDB under each data directory) (default: ${DEFAULT-VALUE}).")
    String service;
    @Option(names = "--state-bytes", required = true, description = "Bytes of values to fill the state with, e.g. 64m, 1g, 2097152.")
    String stateBytes;
    @Option(names = "--value-bytes", defaultValue = "1024", description = "Bytes of each value (default: ${DEFAULT-VALUE}).")
    int valueBytes;
    @Option(names = "--heap", defaultValue = "256m", description = "Heap of each replica JVM (default: ${DEFAULT-VALUE}).")
    String heap;
    @Option(names = "--out", defaultValue = "bench-out/state-transfer", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--repeat", defaultValue = "1", description = "Restarts to measure, one after another on the filled"
            + " cluster (default: ${DEFAULT-VALUE}).")
    int repeat;
    @Option(names = "--paced-rate", defaultValue = "50", description = "Writes per second of the light load that runs"
            + " during the restarts (default: ${DEFAULT-VALUE}).")
    int pacedRate;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CsvTable summary = new CsvTable("state_bytes", "value_bytes", "fill_seconds", "transfer_seconds",
            "back_seconds", "chunks", "peak_heap_mib", "heap_max_mib", "ops_per_s_during_transfer", "repeat", "replica",
            "checkpoint", "transfer_start_seconds", "peak_after_gc_mib", "peers_peak_after_gc_mib", "service");
    private final CsvTable progress = new CsvTable("repeat", "seconds", "decided", "executed", "chunks_in", "chunks",
            "voting", "flags");
    private final CsvTable heapTable = new CsvTable("repeat", "uptime_seconds", "before_mib", "after_mib");
    private final CsvTable writes = new CsvTable("repeat", "second", "acknowledged");

    @Override
    public Integer call() throws Exception {
        StateTransferBench.Options options;
        try {
            options = new StateTransferBench.Options(service, ByteSize.parse(stateBytes), valueBytes, heap, repeat,
                    pacedRate, out.resolve("run"), PhalanxCommand.class.getName());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Files.createDirectories(out);
        // The harness's clients would log every connection; its own progress lines say what happens.
        ch.qos.logback.classic.Level previous = Logs.quiet();
        try {
            return run(options);
        } finally {
            Logs.restore(previous);
        }
    }

    private int run(StateTransferBench.Options options) throws Exception {
        double[] fillSeconds = {Double.NaN};
        StateTransferBench.Result result = new StateTransferBench(options, System.err).run(
                fill -> fillSeconds[0] = fill.seconds(),
                restart -> {
                    try {
                        record(options, fillSeconds[0], restart);
                    } catch (Exception e) {
                        throw new IllegalStateException("could not write the results to " + out, e);
                    }
                });
        if (result.fill().failures() > 0) {
            System.err.println("FAILED: " + result.fill().failures() + " puts of the fill failed; the first: "
                    + result.fill().firstFailure());
        }
        if (result.failure() != null) {
            System.err.println("FAILED: " + result.failure());
        }
        if (result.pacedFailures() > 0) {
            System.err.println("FAILED: " + result.pacedFailures() + " paced writes failed; the first: "
                    + result.firstPacedFailure());
        }
        if (result.pacedSkipped() > 0) {
            System.err.println("note: " + result.pacedSkipped() + " paced writes were not started because 64 were"
                    + " still open (the cluster stalled)");
        }
        System.out.println(summaryLine(options, result));
        return result.ok() ? 0 : 1;
    }

    /** Adds one restart to the tables and charts, rewriting the files (an interrupted run keeps what it measured). */
    private void record(StateTransferBench.Options options, double fillSeconds, Restart r) throws Exception {
        if (r.ok()) {
            summary.addRow(options.stateBytes(), options.valueBytes(), fmt(fillSeconds),
                    fmt((r.transferEndMs() - r.transferStartMs()) / 1000.0), fmt(r.backMs() / 1000.0),
                    r.chunks() < 0 ? "" : Integer.toString(r.chunks()), fmt(r.peakHeapMib()), fmt(r.heapMaxMib()),
                    fmt(r.opsPerSecond()), r.repeat(), r.replica(), r.checkpoint(), fmt(r.transferStartMs() / 1000.0),
                    fmt(r.peakAfterGcMib()), fmt(r.peersPeakAfterGcMib()), options.service());
            summary.write(out.resolve("state-transfer.csv"));
        }
        for (ReplicaLog.Status s : r.statuses()) {
            progress.addRow(r.repeat(), fmt(s.atMs() / 1000.0), s.decided(), s.executed(), s.chunksIn(), s.chunks(),
                    s.voting() ? 1 : 0, s.flags());
        }
        progress.write(out.resolve("progress.csv"));
        for (GcLog.Collection c : r.collections()) {
            heapTable.addRow(r.repeat(), fmt(c.uptimeSeconds()), fmt(c.beforeMib()), fmt(c.afterMib()));
        }
        heapTable.write(out.resolve("heap.csv"));
        for (StateTransferBench.WriteSecond w : r.writes()) {
            writes.addRow(r.repeat(), w.second(), w.acknowledged());
        }
        writes.write(out.resolve("writes.csv"));
        charts(options, r);
    }

    private void charts(StateTransferBench.Options options, Restart r) throws Exception {
        List<EventMarker> markers = new ArrayList<>();
        if (r.transferStartMs() >= 0) {
            markers.add(new EventMarker(r.transferStartMs() / 1000.0, "transfer started"));
        }
        if (r.transferEndMs() >= 0) {
            markers.add(new EventMarker(r.transferEndMs() / 1000.0, "transfer ended"));
        }
        if (r.backMs() >= 0) {
            markers.add(new EventMarker(r.backMs() / 1000.0, "voting"));
        }
        String what = options.service() + ", " + ByteSize.mib(options.stateBytes()) + " in values of "
                + options.valueBytes() + " B, replica r"
                + r.replica() + ", restart " + r.repeat();
        List<Series.Point> received = new ArrayList<>();
        for (ReplicaLog.Status s : r.statuses()) {
            double percent = s.chunks() > 0 ? 100.0 * s.chunksIn() / s.chunks()
                    : r.transferEndMs() >= 0 && s.atMs() >= r.transferEndMs() ? 100 : 0;
            received.add(new Series.Point(s.atMs() / 1000.0, percent));
        }
        Charts.lineChart(out.resolve("progress-" + r.repeat() + ".png"),
                ChartSpec.of("State transfer progress of the restarted replica (" + what + ")",
                        "seconds after the restart (status line every 200 ms)", "chunks received (% of the checkpoint)"),
                List.of(new Series("chunks received", received)), markers);
        List<Series.Point> before = new ArrayList<>();
        List<Series.Point> after = new ArrayList<>();
        for (GcLog.Collection c : r.collections()) {
            before.add(new Series.Point(c.uptimeSeconds(), c.beforeMib()));
            after.add(new Series.Point(c.uptimeSeconds(), c.afterMib()));
        }
        Charts.lineChart(out.resolve("heap-" + r.repeat() + ".png"),
                ChartSpec.of("Heap of the restarted replica at each collection (" + what + ", -Xmx" + options.heap() + ")",
                        "seconds after the restart (JVM uptime)", "heap in use (MiB)"),
                List.of(new Series("before the collection", before), new Series("after the collection", after)), markers);
        List<Series.Point> served = new ArrayList<>();
        for (StateTransferBench.WriteSecond w : r.writes()) {
            served.add(new Series.Point(w.second(), w.acknowledged()));
        }
        Charts.lineChart(out.resolve("writes-" + r.repeat() + ".png"),
                ChartSpec.of("Paced writes the cluster acknowledged (" + options.pacedOpsPerSecond() + " offered per s; "
                        + what + ")", "seconds after the restart", "writes acknowledged per second"),
                List.of(new Series("acknowledged", served)), markers);
    }

    private String summaryLine(StateTransferBench.Options options, StateTransferBench.Result result) {
        List<Restart> ok = result.restarts().stream().filter(Restart::ok).toList();
        String state = String.format(Locale.ROOT, "state transfer of %s (%d values of %d B, %s)",
                ByteSize.mib(options.stateBytes()), result.fill().keys(), options.valueBytes(), options.service());
        if (ok.isEmpty()) {
            return state + ": not measured (fill " + fmt(result.fill().seconds()) + " s; see the errors above and "
                    + out.resolve("run") + ")";
        }
        double transfer = median(ok.stream().mapToDouble(r -> (r.transferEndMs() - r.transferStartMs()) / 1000.0).toArray());
        double back = median(ok.stream().mapToDouble(r -> r.backMs() / 1000.0).toArray());
        double heapPeak = ok.stream().mapToDouble(Restart::peakHeapMib).max().orElse(Double.NaN);
        double afterGcPeak = ok.stream().mapToDouble(Restart::peakAfterGcMib).max().orElse(Double.NaN);
        double ops = median(ok.stream().mapToDouble(Restart::opsPerSecond).toArray());
        return String.format(Locale.ROOT, "%s: fill %.1f s; transfer %.2f s (%s chunks, %.1f MiB/s); voting %.2f s after"
                        + " the restart; restarted replica's peak heap %.0f of %.0f MiB (%.0f MiB after a collection);"
                        + " %.0f writes/s during the transfer%s; results in %s",
                state, result.fill().seconds(), transfer, ok.get(0).chunks() < 0 ? "?" : Integer.toString(ok.get(0).chunks()),
                options.stateBytes() / (double) (1 << 20) / transfer, back, heapPeak, ok.get(0).heapMaxMib(), afterGcPeak,
                ops, ok.size() > 1 ? " (medians of " + ok.size() + " restarts; heap: the largest)" : "", out);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static String fmt(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.3f", value);
    }
}
