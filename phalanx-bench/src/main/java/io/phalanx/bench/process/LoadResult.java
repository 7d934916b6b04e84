package io.phalanx.bench.process;

import io.phalanx.bench.chart.CsvTable;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * What one load-generator run measured: completions per second (all of them, warm-up
 * included, and flagged), the CPU steal time of each second ({@link CpuSteal}; NaN if unknown)
 * and the latency histogram of the measured window.
 *
 * @param opsPerSecond  completions in each second of the run
 * @param measured      per second, whether it was in the measured window
 * @param stealPercent  per second, the CPU steal time in percent, NaN if unknown
 * @param latencyMicros the latencies of the measured window, in microseconds
 * @param failures      operations that failed
 */
public record LoadResult(List<Long> opsPerSecond, List<Boolean> measured, List<Double> stealPercent, Histogram latencyMicros,
                  long failures) {

    static LoadResult read(Path out) throws IOException {
        CsvTable samples = CsvTable.read(out.resolve("samples.csv"));
        List<Long> ops = new ArrayList<>();
        List<Boolean> measured = new ArrayList<>();
        List<Double> steal = new ArrayList<>();
        for (int row = 0; row < samples.rowCount(); row++) {
            ops.add(Long.parseLong(samples.get(row, "ops")));
            measured.add("1".equals(samples.get(row, "measured")));
            String stolen = samples.get(row, "steal_pct");
            steal.add(stolen.isEmpty() ? Double.NaN : Double.parseDouble(stolen));
        }
        byte[] encoded = Base64.getDecoder().decode(Files.readString(out.resolve("latency.hgrm")).trim());
        Histogram histogram;
        try {
            histogram = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
        } catch (DataFormatException e) {
            throw new IOException("unreadable latency histogram in " + out, e);
        }
        long failures = Long.parseLong(Files.readString(out.resolve("failures.txt")).trim());
        return new LoadResult(ops, measured, steal, histogram, failures);
    }

    /**
     * Median of the measured 1-second samples.
     *
     * @return operations per second, 0 if no second was measured
     */
    public double medianOpsPerSecond() {
        List<Long> window = new ArrayList<>();
        for (int i = 0; i < opsPerSecond.size(); i++) {
            if (measured.get(i)) {
                window.add(opsPerSecond.get(i));
            }
        }
        if (window.isEmpty()) {
            return 0;
        }
        window.sort(Long::compare);
        int mid = window.size() / 2;
        return window.size() % 2 == 1 ? window.get(mid) : (window.get(mid - 1) + window.get(mid)) / 2.0;
    }

    /**
     * Mean CPU steal time over the measured seconds, in percent of the machine; NaN where it
     * cannot be read. A row measured while the hypervisor took a third of the CPUs is not
     * comparable with one measured while it took none.
     *
     * @return the mean percentage, NaN if no measured second has one
     */
    public double meanStealPercent() {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < stealPercent.size(); i++) {
            if (measured.get(i) && !stealPercent.get(i).isNaN()) {
                sum += stealPercent.get(i);
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * A latency percentile of the measured window.
     *
     * @param percentile the percentile, 0..100
     * @return the latency at it in milliseconds, 0 if nothing was recorded
     */
    public double percentileMs(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
}
