package io.phalanx.bench.process;

import io.phalanx.kv.KeyValueService;
import io.phalanx.kv.KvOperation;
import io.phalanx.runtime.config.Mode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The harness behind {@code phalanx bench state-transfer}: how long a replica that lost its
 * disk takes to get a state of N bytes back from its peers.
 *
 * <p>A 4-replica BFT cluster of {@code phalanx replica --service kv} (or {@code kv-rocksdb}) processes (durability sync,
 * each with a GC log and a status line every {@link #STATUS_INTERVAL_MS}) is filled with N bytes
 * of values ({@link StateFiller}); a light paced write load ({@link PacedWriter}) then runs until
 * the end, and every replica is let to store a checkpoint that holds the whole state. Then, per
 * repeat, a follower is killed (SIGKILL), its data directory deleted, and it is started again: it
 * has nothing, so it must fetch the checkpoint by state transfer, then the decisions after it, and
 * only then votes. From its log ({@link ReplicaLog}): when the transfer started and ended and when
 * its status line first shows it voting again; from its GC log ({@link GcLog}) and one
 * {@code jcmd GC.heap_info} when it is back: the most heap it used.
 */
public final class StateTransferBench {
    /** The restarted replica's status line, often enough to see a transfer of a few seconds progress. */
    static final int STATUS_INTERVAL_MS = 200;
    /** Puts in flight during the fill, over all its clients: enough for full batches of 1 KiB values. */
    static final int FILL_OUTSTANDING = 128;
    /**
     * Bytes of values in flight during the fill, at most: a batch holds no more, and every replica
     * keeps the last {@code limits.decisionLogMax} (1,024) batches on its heap, so with 128 puts of
     * 4 KiB values in flight the decision log alone filled a 256 MiB heap during the fill.
     */
    static final int FILL_BYTES_IN_FLIGHT = 128 << 10;
    private static final int REPLICAS = 4;
    private static final int F = 1;
    private static final long POLL_MS = 100;
    /** Polls of a restarted replica's log between looks at the whole cluster's health. */
    private static final int TROUBLE_POLLS = 10;
    /** How long the cluster may take to store a checkpoint covering the filled state. */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(120);
    /** A checkpoint's manifest, written once its image ({@code checkpoint-N.img}) is complete. */
    private static final Pattern CHECKPOINT_FILE = Pattern.compile("checkpoint-(\\d+)\\.ckpt");
    /** The services a replica of this benchmark may run ({@code phalanx replica --service}). */
    public static final List<String> SERVICES = List.of("kv", "kv-rocksdb");

    /**
     * What to measure, as the {@code bench state-transfer} command's options give it.
     *
     * @param service           the replicas' key-value service: {@code kv} (a map on the heap) or
     *                          {@code kv-rocksdb} (the same map in RocksDB under the data directory);
     *                          both hold fewer than {@link KeyValueService#ENTRIES_MAX_DEFAULT} keys
     * @param stateBytes        bytes of values to fill the state with
     * @param valueBytes        bytes of each value
     * @param heap              each replica JVM's heap ({@code -Xmx}, {@code -Xms}), e.g. {@code 256m}
     * @param repeat            restarts to measure, one after another
     * @param pacedOpsPerSecond the light write load during the restarts
     * @param runDirectory      keys, cluster file, data directories, replica and GC logs
     * @param phalanxMainClass  the {@code phalanx} command's main class, which the replicas run
     */
    public record Options(String service, long stateBytes, int valueBytes, String heap, int repeat,
                          int pacedOpsPerSecond, Path runDirectory, String phalanxMainClass) {
        /**
         * Checks the options; each failure names the command-line option to fix.
         *
         * @param service           {@code kv} or {@code kv-rocksdb}
         * @param stateBytes        bytes of values, at least {@code valueBytes} and in fewer keys than the service holds
         * @param valueBytes        bytes of each value, within 1..{@link KvOperation#VALUE_BYTES_MAX}
         * @param heap              each replica JVM's heap
         * @param repeat            restarts to measure, at least 1
         * @param pacedOpsPerSecond the light write load, at least 1 a second
         * @param runDirectory      where the run's files go
         * @param phalanxMainClass  the {@code phalanx} command's main class
         * @throws IllegalArgumentException if an option is out of range
         */
        public Options {
            Objects.requireNonNull(service, "service");
            if (!SERVICES.contains(service)) {
                throw new IllegalArgumentException("--service must be kv or kv-rocksdb, got '" + service + "'");
            }
            Objects.requireNonNull(heap, "heap");
            Objects.requireNonNull(runDirectory, "runDirectory");
            Objects.requireNonNull(phalanxMainClass, "phalanxMainClass");
            if (valueBytes < 1 || valueBytes > KvOperation.VALUE_BYTES_MAX) {
                throw new IllegalArgumentException("--value-bytes must be within 1.." + KvOperation.VALUE_BYTES_MAX
                        + " (the key-value service's largest value), got " + valueBytes);
            }
            if (stateBytes < valueBytes) {
                throw new IllegalArgumentException("--state-bytes must be at least --value-bytes (" + valueBytes
                        + "), got " + stateBytes);
            }
            long keys = StateFiller.keysFor(stateBytes, valueBytes);
            if (keys >= KeyValueService.ENTRIES_MAX_DEFAULT) {
                throw new IllegalArgumentException("--state-bytes " + stateBytes + " in values of " + valueBytes
                        + " bytes needs " + keys + " keys; the key-value service (" + service + ") holds fewer than "
                        + KeyValueService.ENTRIES_MAX_DEFAULT + ": use larger values");
            }
            if (repeat < 1 || pacedOpsPerSecond < 1) {
                throw new IllegalArgumentException("--repeat and --paced-rate must be at least 1");
            }
        }

        /**
         * How long a restarted replica may take to vote again.
         *
         * @return a minute plus two seconds per MiB of state
         */
        public Duration backTimeout() {
            return Duration.ofSeconds(60 + 2 * Math.max(1, stateBytes >> 20));
        }
    }

    /**
     * Writes acknowledged in one second since the restart (negative: before it).
     *
     * @param second       the second, counted from the restart
     * @param acknowledged writes acknowledged in it
     */
    public record WriteSecond(int second, long acknowledged) {
    }

    /**
     * One restart, times in milliseconds after it (-1: did not happen).
     *
     * @param repeat           which restart of the run, from 1
     * @param replica          the replica restarted
     * @param transferStartMs  when its state transfer started
     * @param transferEndMs    when the transfer ended with a state
     * @param backMs           when it voted again
     * @param chunks           the checkpoint's chunks, from a status line during the transfer; -1 if none showed it
     * @param checkpoint       the consensus id of the checkpoint transferred
     * @param peakHeapMib      the restarted replica's most heap in use, restart to voting (before a
     *                         collection, or when it voted)
     * @param peakAfterGcMib   the restarted replica's most heap in use right after a collection
     * @param heapMaxMib       the restarted replica's maximum heap, NaN if its GC log does not say
     * @param peersPeakAfterGcMib the most heap any other replica still used right after a
     *                         collection, from its start to then
     * @param opsPerSecond     writes acknowledged per second between transfer start and end; NaN without a transfer
     * @param statuses         the restarted replica's status lines from the restart on
     * @param collections      its garbage collections from the restart on
     * @param writes           the paced writes acknowledged per second around the restart
     * @param failure          why the restart did not measure cleanly, or null
     */
    public record Restart(int repeat, int replica, long transferStartMs, long transferEndMs, long backMs, int chunks,
                          long checkpoint, double peakHeapMib, double peakAfterGcMib, double heapMaxMib,
                          double peersPeakAfterGcMib,
                          double opsPerSecond, List<ReplicaLog.Status> statuses, List<GcLog.Collection> collections,
                          List<WriteSecond> writes, String failure) {
        /**
         * Whether the restart measured cleanly.
         *
         * @return true if there is no failure
         */
        public boolean ok() {
            return failure == null;
        }
    }

    /**
     * The whole run: the fill, each restart, and the paced writes' failures.
     *
     * @param fill              what the fill did
     * @param restarts          each restart measured, in order
     * @param pacedFailures     paced writes that failed
     * @param firstPacedFailure what went wrong first with them, or null
     * @param pacedSkipped      paced ticks skipped with too many writes open
     * @param failure           why the cluster could not be measured after the fill, or null
     */
    public record Result(StateFiller.Result fill, List<Restart> restarts, long pacedFailures, String firstPacedFailure,
                         long pacedSkipped, String failure) {
        /**
         * Whether the whole run measured cleanly.
         *
         * @return true if the fill, every restart and every paced write succeeded, and there was a restart
         */
        public boolean ok() {
            return failure == null && fill.failures() == 0 && pacedFailures == 0 && !restarts.isEmpty()
                    && restarts.stream().allMatch(Restart::ok);
        }
    }

    private final Options options;
    private final PrintStream progress;

    /**
     * A benchmark run of {@code options}.
     *
     * @param options  what to measure
     * @param progress where progress lines go
     */
    public StateTransferBench(Options options, PrintStream progress) {
        this.options = Objects.requireNonNull(options, "options");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /**
     * Runs the benchmark; {@code onFilled} sees the fill and {@code onRestart} each restart as soon
     * as they are measured (to write results as they come). Stops at the first restart that failed.
     *
     * @param onFilled  sees the fill once it is done
     * @param onRestart sees each restart once it is measured
     * @return the whole run's results
     * @throws Exception if the cluster cannot be created, started or stopped
     */
    public Result run(Consumer<StateFiller.Result> onFilled, Consumer<Restart> onRestart) throws Exception {
        ProcessCluster.deleteQuietly(options.runDirectory());
        try (ProcessCluster cluster = ProcessCluster.create(options.phalanxMainClass(), options.runDirectory(), REPLICAS,
                F, Mode.BFT, options.heap(), List.of("--service", options.service(), "--status-interval-ms",
                        Integer.toString(STATUS_INTERVAL_MS)), null)) {
            cluster.durability("sync");
            cluster.gcLogs();
            cluster.startAll();
            List<Long> ids = ProcessCluster.clientIds();
            StateFiller.Result fill = new StateFiller(cluster.clusterFile(), REPLICAS, ids.subList(0, ids.size() - 1),
                    fillOutstanding(options.valueBytes()), progress).fill(options.stateBytes(), options.valueBytes(),
                    () -> trouble(cluster, -1));
            progress.printf(Locale.ROOT, "filled %s in %d keys in %.1f s (%d failed)%n", ByteSize.mib(fill.bytes()),
                    fill.keys(), fill.seconds(), fill.failures());
            onFilled.accept(fill);
            List<Restart> restarts = new ArrayList<>();
            try (PacedWriter writer = PacedWriter.start(cluster.clusterFile(), ids.get(ids.size() - 1),
                    options.pacedOpsPerSecond())) {
                Optional<String> failure = fill.failures() == 0 ? awaitCheckpointCoveringFill(cluster) : Optional.empty();
                if (fill.failures() == 0 && failure.isEmpty()) {
                    for (int repeat = 1; repeat <= options.repeat(); repeat++) {
                        Restart restart = restartOnce(cluster, writer, repeat);
                        restarts.add(restart);
                        onRestart.accept(restart);
                        if (!restart.ok()) {
                            break;
                        }
                    }
                }
                writer.stop(Duration.ofSeconds(35));
                return new Result(fill, restarts, writer.failures(), writer.firstFailure(), writer.skipped(),
                        failure.orElse(null));
            }
        }
    }

    /** Puts in flight during the fill: {@link #FILL_OUTSTANDING}, fewer for values over 1 KiB. */
    static int fillOutstanding(int valueBytes) {
        return Math.max(1, Math.min(FILL_OUTSTANDING, FILL_BYTES_IN_FLIGHT / valueBytes));
    }

    /**
     * Waits until every replica has stored a checkpoint at or after the last decision of the fill,
     * so the transfer moves the whole state: a restarted replica fetches the newest checkpoint.
     * The paced writes supply the decisions that reach the next checkpoint.
     */
    private Optional<String> awaitCheckpointCoveringFill(ProcessCluster cluster) throws Exception {
        Thread.sleep(2L * STATUS_INTERVAL_MS + POLL_MS); // a status line from after the fill's last decision
        long filledUpTo = -1;
        for (int id = 0; id < REPLICAS; id++) {
            filledUpTo = Math.max(filledUpTo, latestDecided(cluster, id));
        }
        progress.printf(Locale.ROOT, "waiting for every replica to store a checkpoint at or after decision %d%n",
                filledUpTo);
        long deadline = System.nanoTime() + CHECKPOINT_TIMEOUT.toNanos();
        for (int id = 0; id < REPLICAS; id++) {
            while (newestCheckpoint(cluster.dataDirectory(id)) < filledUpTo) {
                Optional<String> trouble = trouble(cluster, -1);
                if (trouble.isPresent()) {
                    return trouble;
                }
                if (System.nanoTime() > deadline) {
                    return Optional.of("replica " + id + " stored no checkpoint at or after decision " + filledUpTo
                            + " within " + CHECKPOINT_TIMEOUT.toSeconds() + " s; see " + cluster.logFile(id));
                }
                Thread.sleep(POLL_MS);
            }
        }
        return Optional.empty();
    }

    /**
     * Why the cluster can no longer be measured, or empty: a replica other than {@code restarting}
     * exited, or one ran out of heap (the JVM prints the error to the replica's log, and the
     * replica may then hang rather than exit).
     */
    static Optional<String> trouble(ProcessCluster cluster, int restarting) {
        for (int id = 0; id < REPLICAS; id++) {
            try {
                if (Files.readString(cluster.logFile(id)).contains("OutOfMemoryError")) {
                    return Optional.of("replica " + id + " ran out of heap; give the replicas more with --heap (see "
                            + cluster.logFile(id) + ")");
                }
            } catch (IOException e) {
                return Optional.of("cannot read " + cluster.logFile(id) + ": " + e.getMessage());
            }
            if (id != restarting && cluster.process(id).isEmpty()) {
                return Optional.of("replica " + id + " exited; see " + cluster.logFile(id));
            }
        }
        return Optional.empty();
    }

    private static long latestDecided(ProcessCluster cluster, int id) throws IOException {
        return ReplicaLog.read(cluster.logFile(id), 0, LocalTime.now()).latest().map(ReplicaLog.Status::decided)
                .orElse(-1L);
    }

    /** The consensus id of the newest checkpoint file in {@code data}; -1 if none. */
    static long newestCheckpoint(Path data) throws IOException {
        if (!Files.isDirectory(data)) {
            return -1;
        }
        long newest = -1;
        try (var files = Files.list(data)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Matcher m = CHECKPOINT_FILE.matcher(file.getFileName().toString());
                if (m.matches()) {
                    newest = Math.max(newest, Long.parseLong(m.group(1)));
                }
            }
        } catch (java.nio.file.NoSuchFileException deletedMeanwhile) {
            return newest;
        }
        return newest;
    }

    /** Kills a follower, deletes its data directory, starts it again and measures until it votes. */
    private Restart restartOnce(ProcessCluster cluster, PacedWriter writer, int repeat) throws Exception {
        int leader = cluster.currentLeader();
        int victim = leader == REPLICAS - 1 ? REPLICAS - 2 : REPLICAS - 1;
        long target = -1;
        for (int id = 0; id < REPLICAS; id++) {
            if (id != victim) {
                target = Math.max(target, latestDecided(cluster, id));
            }
        }
        cluster.kill(victim);
        ProcessCluster.deleteQuietly(cluster.dataDirectory(victim));
        long offset = ReplicaLog.size(cluster.logFile(victim));
        Instant restartedAt = Instant.now();
        LocalTime reference = LocalTime.ofInstant(restartedAt, ZoneId.systemDefault());
        cluster.start(victim);
        progress.printf(Locale.ROOT, "[%d/%d] follower r%d killed, its data directory deleted, restarted%n", repeat,
                options.repeat(), victim);
        Watch watch = new Watch(cluster, victim, offset, reference, target);
        String failure = watch.awaitBack(options.backTimeout());
        return measured(cluster, writer, repeat, victim, restartedAt.toEpochMilli(), watch, failure);
    }

    /** Follows a restarted replica's log until it votes again. */
    private static final class Watch {
        final ProcessCluster cluster;
        final int replica;
        final long offset;
        final LocalTime reference;
        final long target;
        ReplicaLog log;
        long backMs = -1;
        int polls;

        Watch(ProcessCluster cluster, int replica, long offset, LocalTime reference, long target) {
            this.cluster = cluster;
            this.replica = replica;
            this.offset = offset;
            this.reference = reference;
            this.target = target;
        }

        /** Null once it is back; otherwise why not. */
        String awaitBack(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                log = ReplicaLog.read(cluster.logFile(replica), offset, reference);
                Optional<ReplicaLog.Status> back = Optional.empty();
                if (log.statuses().stream().anyMatch(s -> s.voting() && s.decided() >= target)) {
                    int regency = othersRegency(); // read only then: it means reading three logs
                    back = log.statuses().stream()
                            .filter(s -> s.voting() && s.decided() >= target && s.regency() >= regency).findFirst();
                }
                if (back.isPresent()) {
                    backMs = back.get().atMs();
                    if (log.transferEndedMs().isEmpty()) {
                        return "replica " + replica + " voted again without a state transfer (it caught up from its"
                                + " peers' decision logs), so nothing was measured; see " + cluster.logFile(replica);
                    }
                    return null;
                }
                if (cluster.process(replica).isEmpty()) {
                    return "replica " + replica + " exited before it voted again; see " + cluster.logFile(replica);
                }
                if (++polls % TROUBLE_POLLS == 0) {
                    Optional<String> trouble = trouble(cluster, replica);
                    if (trouble.isPresent()) {
                        return trouble.get();
                    }
                }
                if (System.nanoTime() > deadline) {
                    return "replica " + replica + " did not vote again within " + timeout.toSeconds() + " s of its restart"
                            + log.latest().map(s -> " (last status: " + s.flags() + ")").orElse(" (no status line)")
                            + "; see " + cluster.logFile(replica);
                }
                Thread.sleep(POLL_MS);
            }
        }

        private int othersRegency() throws IOException {
            int regency = 0;
            for (int id = 0; id < REPLICAS; id++) {
                if (id != replica) {
                    regency = Math.max(regency, ReplicaLog.read(cluster.logFile(id), 0, reference).latest()
                            .map(ReplicaLog.Status::regency).orElse(0));
                }
            }
            return regency;
        }
    }

    private Restart measured(ProcessCluster cluster, PacedWriter writer, int repeat, int victim, long restartEpochMs,
                             Watch watch, String failure) throws IOException {
        OptionalLong startMs = watch.log.transferStartedMs();
        OptionalLong endMs = watch.log.transferEndedMs();
        GcLog gc = GcLog.read(cluster.gcLog(victim));
        double peak = gc.peakMib();
        Optional<Process> process = cluster.process(victim);
        if (process.isPresent()) {
            peak = Math.max(peak, GcLog.usedNowMib(process.get().pid()).orElse(0));
        }
        double peersPeak = 0;
        for (int id = 0; id < REPLICAS; id++) {
            if (id != victim) {
                peersPeak = Math.max(peersPeak, GcLog.read(cluster.gcLog(id)).peakAfterMib());
            }
        }
        double opsPerSecond = Double.NaN;
        if (startMs.isPresent() && endMs.isPresent() && endMs.getAsLong() > startMs.getAsLong()) {
            long served = writer.completedBetween(restartEpochMs + startMs.getAsLong(), restartEpochMs + endMs.getAsLong());
            opsPerSecond = served * 1000.0 / (endMs.getAsLong() - startMs.getAsLong());
        }
        int chunks = watch.log.statuses().stream().mapToInt(ReplicaLog.Status::chunks).max().orElse(-1);
        long endOfWatchMs = System.currentTimeMillis() - restartEpochMs;
        Restart restart = new Restart(repeat, victim, startMs.orElse(-1), endMs.orElse(-1), watch.backMs, chunks,
                watch.log.transferCheckpoint(), peak, gc.peakAfterMib(), gc.heapMaxMib().orElse(Double.NaN), peersPeak,
                opsPerSecond, watch.log.statuses(), gc.collections(), writesPerSecond(writer, restartEpochMs, endOfWatchMs), failure);
        report(restart);
        return restart;
    }

    /** Acknowledged writes per second, from five seconds before the restart to {@code untilMs} after it. */
    private static List<WriteSecond> writesPerSecond(PacedWriter writer, long restartEpochMs, long untilMs) {
        int first = -5;
        int last = (int) (untilMs / 1000);
        long[] counts = new long[last - first + 1];
        for (long at : writer.completionTimes()) {
            long second = Math.floorDiv(at - restartEpochMs, 1000L);
            if (second >= first && second <= last) {
                counts[(int) (second - first)]++;
            }
        }
        List<WriteSecond> writes = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            writes.add(new WriteSecond(first + i, counts[i]));
        }
        return writes;
    }

    private void report(Restart r) {
        if (!r.ok()) {
            progress.println("FAILED: " + r.failure());
            return;
        }
        progress.printf(Locale.ROOT, "[%d/%d] r%d: transfer of checkpoint %d (%s chunks) from %.2f s to %.2f s after"
                        + " the restart, voting at %.2f s; peak heap %.0f of %.0f MiB (%.0f MiB after a collection); %.0f writes/s"
                        + " during the transfer%n",
                r.repeat(), options.repeat(), r.replica(), r.checkpoint(), r.chunks() < 0 ? "?" : Integer.toString(r.chunks()),
                r.transferStartMs() / 1000.0, r.transferEndMs() / 1000.0, r.backMs() / 1000.0, r.peakHeapMib(),
                r.heapMaxMib(), r.peakAfterGcMib(), r.opsPerSecond());
    }
}
