package io.phalanx.bench.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JVM's heap use as its garbage collector reported it ({@code -Xlog:gc,gc+init:file=F:uptime},
 * see {@link ProcessCluster#gcLogs}): for each collection, the heap in use before and after it.
 * The heap is fullest just before a collection, so the largest "before" is the peak use, up to
 * what was allocated after the last collection (read {@code jcmd GC.heap_info} at the end to
 * cover that).
 *
 * @param collections every collection logged, in order
 * @param heapMaxMib  the heap's maximum capacity in MiB, if the log names it
 */
public record GcLog(List<Collection> collections, OptionalDouble heapMaxMib) {
    /** {@code [1.673s] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 12M->4M(256M) 29.891ms}. */
    private static final Pattern COLLECTION = Pattern.compile(
            "^\\[(\\d+\\.\\d+)s\\].* GC\\(\\d+\\) .*?(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern HEAP_MAX = Pattern.compile("Heap Max Capacity: (\\d+)([KMG])");

    /**
     * One collection: JVM uptime, heap in use before and after it, in MiB.
     *
     * @param uptimeSeconds the JVM's uptime at the collection
     * @param beforeMib     heap in use before it
     * @param afterMib      heap in use after it
     */
    public record Collection(double uptimeSeconds, double beforeMib, double afterMib) {
    }

    /**
     * Reads a GC log file.
     *
     * @param file the log written by {@code -Xlog:gc,gc+init:file=...:uptime}
     * @return its collections and heap maximum; empty if the file does not exist
     * @throws IOException if the file exists and cannot be read
     */
    public static GcLog read(Path file) throws IOException {
        return Files.exists(file) ? parse(Files.readString(file)) : new GcLog(List.of(), OptionalDouble.empty());
    }

    static GcLog parse(String text) {
        List<Collection> collections = new ArrayList<>();
        OptionalDouble heapMax = OptionalDouble.empty();
        for (String line : text.split("\n")) {
            Matcher m = COLLECTION.matcher(line);
            if (m.find()) {
                collections.add(new Collection(Double.parseDouble(m.group(1)), mib(m.group(2), m.group(3)),
                        mib(m.group(4), m.group(5))));
                continue;
            }
            Matcher max = HEAP_MAX.matcher(line);
            if (max.find()) {
                heapMax = OptionalDouble.of(mib(max.group(1), max.group(2)));
            }
        }
        return new GcLog(List.copyOf(collections), heapMax);
    }

    /**
     * The most heap in use at any collection up to {@code uptimeSeconds}.
     *
     * @param uptimeSeconds the JVM uptime to look up to
     * @return the peak in MiB; 0 if no collection happened by then
     */
    public double peakMib(double uptimeSeconds) {
        double peak = 0;
        for (Collection c : collections) {
            if (c.uptimeSeconds() <= uptimeSeconds) {
                peak = Math.max(peak, Math.max(c.beforeMib(), c.afterMib()));
            }
        }
        return peak;
    }

    /**
     * The most heap in use at any collection of the log.
     *
     * @return the peak in MiB; 0 if no collection happened
     */
    public double peakMib() {
        return peakMib(Double.MAX_VALUE);
    }

    /**
     * The most heap still in use right after a collection. Closer to
     * what the JVM needed than {@link #peakMib}, which mostly shows how much young generation the
     * collector chose to fill before collecting (a young collection leaves old garbage, so this
     * is still an upper bound of the live data).
     *
     * @return that peak in MiB; 0 if no collection happened
     */
    public double peakAfterMib() {
        return collections.stream().mapToDouble(Collection::afterMib).max().orElse(0);
    }

    /**
     * The heap in use now in JVM {@code pid}, in MiB, from {@code jcmd PID GC.heap_info} (the
     * JDK's {@code jcmd} next to this JVM).
     *
     * @param pid the JVM's process id
     * @return the heap in use in MiB, or empty if it could not be read
     */
    public static OptionalDouble usedNowMib(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
                    .redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                return OptionalDouble.empty();
            }
            return heapInfoUsedMib(text);
        } catch (IOException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }

    /** {@code garbage-first heap   total 262144K, used 123456K [...]}: the used part, in MiB. */
    static OptionalDouble heapInfoUsedMib(String heapInfo) {
        Matcher m = Pattern.compile("heap\\s+total \\d+([KMG]), used (\\d+)([KMG])").matcher(heapInfo);
        return m.find() ? OptionalDouble.of(mib(m.group(2), m.group(3))) : OptionalDouble.empty();
    }

    private static double mib(String number, String unit) {
        double value = Double.parseDouble(number);
        return switch (unit.toUpperCase(Locale.ROOT)) {
            case "K" -> value / 1024;
            case "G" -> value * 1024;
            default -> value;
        };
    }
}
