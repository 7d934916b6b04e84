package io.phalanx.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The machine's CPU steal time, from the first line of {@code /proc/stat}: the share of time
 * the hypervisor ran someone else while this VM's CPUs wanted to run. On a shared VM it can
 * take a third of the machine for minutes at a time, so every measured second records it
 * next to its throughput. Empty where {@code /proc/stat} does not exist (not Linux).
 */
public final class CpuSteal {
    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** Fields after "cpu": user nice system idle iowait irq softirq steal ... (Linux 2.6.11+). */
    private static final int STEAL_FIELD = 7;

    private final Path source;
    private long lastTotal = -1;
    private long lastSteal;

    /** Reads {@code /proc/stat}. */
    public CpuSteal() {
        this(PROC_STAT);
    }

    CpuSteal(Path source) {
        this.source = source;
    }

    /**
     * Percent of all CPU time stolen since the previous call.
     *
     * @return the percentage; empty on the first call or if {@code /proc/stat} cannot be read
     */
    public OptionalDouble sincePrevious() {
        long[] now = read();
        if (now == null) {
            return OptionalDouble.empty();
        }
        long total = now[0];
        long steal = now[1];
        OptionalDouble share = lastTotal < 0 || total <= lastTotal ? OptionalDouble.empty()
                : OptionalDouble.of(100.0 * (steal - lastSteal) / (total - lastTotal));
        lastTotal = total;
        lastSteal = steal;
        return share;
    }

    /**
     * A steal percentage as the CSV files hold it.
     *
     * @param percent the percentage, NaN if unknown
     * @return one decimal, or empty if unknown
     */
    public static String csvCell(double percent) {
        return Double.isNaN(percent) ? "" : String.format(Locale.ROOT, "%.1f", percent);
    }

    /** {total, steal} jiffies of all CPUs, or null. */
    private long[] read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(source);
        } catch (IOException | SecurityException e) {
            return null;
        }
        if (lines.isEmpty() || !lines.get(0).startsWith("cpu ")) {
            return null;
        }
        String[] fields = lines.get(0).substring(4).trim().split("\\s+");
        if (fields.length <= STEAL_FIELD) {
            return null;
        }
        long total = 0;
        try {
            // guest and guest_nice (fields 8, 9) are already counted in user and nice.
            for (int i = 0; i <= STEAL_FIELD; i++) {
                total += Long.parseLong(fields[i]);
            }
            return new long[] {total, Long.parseLong(fields[STEAL_FIELD])};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
