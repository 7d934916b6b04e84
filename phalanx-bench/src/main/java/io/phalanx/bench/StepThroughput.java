package io.phalanx.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The step-throughput measurement without JMH: runs a {@link PumpedCluster} for a fixed wall-clock
 * duration and reports how many requests per second the protocol logic ordered. It is plain Java
 * so that a CLI ({@code phalanx bench}) can call it; the JMH variant is
 * {@code io.phalanx.bench.jmh.StepBenchmark}. Only a first, untimed warm-up lets the JIT compile
 * the hot path; there are no forks or statistics, so use JMH for numbers to publish.
 */
public final class StepThroughput {
    /** Operation size of the requests {@link #run(Duration, int, boolean)} feeds: the protocol cost alone. */
    public static final int DEFAULT_OPERATION_BYTES = 0;

    private StepThroughput() {
    }

    /**
     * What one measurement found.
     *
     * @param batchSize          requests per batch
     * @param operationBytes     operation size of every request
     * @param signatures         which signatures were real
     * @param requests           requests decided (by all four replicas) during the timed part
     * @param elapsedNanos       wall-clock length of the timed part
     * @param cpuNanos           CPU time the measuring thread got during the timed part; on a shared
     *                           machine (other processes competing for the cores) this, not the wall
     *                           clock, tells what the work costs
     * @param signaturesPerRequest    replica signatures made per decided request, all replicas together
     * @param verificationsPerRequest signature checks (replica votes and client requests) per decided
     *                                request, all replicas together
     * @param stepNanosPerRequest per replica (index = replica id, 0 is the leader): time spent inside
     *                           {@code step} per decided request
     */
    public record Result(int batchSize, int operationBytes, Signatures signatures, long requests, long elapsedNanos,
                         long cpuNanos, double signaturesPerRequest, double verificationsPerRequest,
                         List<Double> stepNanosPerRequest) {
        /**
         * Checks that the signature mode is present and copies the per-replica times.
         *
         * @param batchSize               requests per batch
         * @param operationBytes          operation size of every request
         * @param signatures              which signatures were real
         * @param requests                requests decided during the timed part
         * @param elapsedNanos            wall-clock length of the timed part
         * @param cpuNanos                CPU time the measuring thread got during the timed part
         * @param signaturesPerRequest    replica signatures made per decided request
         * @param verificationsPerRequest signature checks per decided request
         * @param stepNanosPerRequest     per replica: time spent inside {@code step} per decided request
         */
        public Result {
            Objects.requireNonNull(signatures, "signatures");
            stepNanosPerRequest = List.copyOf(stepNanosPerRequest);
        }

        /**
         * Requests ordered per second with all four replicas (and the pump) sharing one thread.
         *
         * @return requests per wall-clock second
         */
        public double requestsPerSecond() {
            return requests * 1e9 / elapsedNanos;
        }

        /**
         * Requests ordered per second of CPU time given to the thread (all four replicas and the pump).
         *
         * @return requests per CPU second, 0 if no CPU time was measured
         */
        public double requestsPerCpuSecond() {
            return cpuNanos == 0 ? 0 : requests * 1e9 / cpuNanos;
        }

        /**
         * Requests per second if every replica had a core of its own and nothing but its
         * {@code step} to run: bounded by the busiest replica (usually the leader), whose share
         * of the wall-clock step time is scaled to CPU time. An extrapolation, not a measurement
         * of a real deployment.
         *
         * @return the extrapolated requests per second, 0 if no step time was measured
         */
        public double requestsPerSecondPerReplicaCore() {
            double busiest = 0;
            for (double nanos : stepNanosPerRequest) {
                busiest = Math.max(busiest, nanos);
            }
            double cpuShare = cpuNanos == 0 ? 1 : Math.min(1, cpuNanos / (double) elapsedNanos);
            return busiest == 0 ? 0 : 1e9 / (busiest * cpuShare);
        }

        /**
         * One line for a terminal.
         *
         * @return the parameters, the throughputs, the step time per replica and the signature costs
         */
        public String summary() {
            StringBuilder perReplica = new StringBuilder();
            for (int id = 0; id < stepNanosPerRequest.size(); id++) {
                perReplica.append(id == 0 ? "" : " ").append(String.format(Locale.ROOT, "r%d=%.2f", id,
                        stepNanosPerRequest.get(id) / 1e3));
            }
            return String.format(Locale.ROOT,
                    "batch=%d op=%dB signatures=%s: %,.0f requests/s wall, %,.0f per CPU second, on one thread "
                            + "(%,d requests in %.2f s, %.0f%% CPU); step wall us/request %s; "
                            + "busiest replica alone %,.0f requests/s; per request %.3f signs, %.3f verifies",
                    batchSize, operationBytes, signatures, requestsPerSecond(), requestsPerCpuSecond(), requests,
                    elapsedNanos / 1e9, 100.0 * cpuNanos / elapsedNanos, perReplica, requestsPerSecondPerReplicaCore(),
                    signaturesPerRequest, verificationsPerRequest);
        }
    }

    /**
     * Orders batches of {@code batchSize} empty requests for {@code duration} (after a warm-up of a
     * fifth of it, at most 5 s) with real Ed25519 replica signatures or a no-op signer.
     *
     * @param duration   length of the timed part, above 0
     * @param batchSize  requests per batch
     * @param signatures true for real replica signatures, false for a no-op signer
     * @return what the timed part found
     */
    public static Result run(Duration duration, int batchSize, boolean signatures) {
        return run(duration, batchSize, DEFAULT_OPERATION_BYTES, signatures ? Signatures.REPLICAS : Signatures.NONE);
    }

    /**
     * As {@link #run(Duration, int, boolean)}, with a choice of operation size and signatures.
     *
     * @param duration       length of the timed part, above 0
     * @param batchSize      requests per batch
     * @param operationBytes operation size of every request
     * @param signatures     which signatures are real
     * @return what the timed part found
     * @throws IllegalArgumentException if {@code duration} is not positive
     */
    public static Result run(Duration duration, int batchSize, int operationBytes, Signatures signatures) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive, got " + duration);
        }
        PumpedCluster cluster = new PumpedCluster(batchSize, operationBytes, signatures);
        long warmupNanos = Math.min(duration.toNanos() / 5, Duration.ofSeconds(5).toNanos());
        pumpFor(cluster, warmupNanos);

        long requestsBefore = cluster.requestsDecided();
        long signsBefore = cluster.replicaSignatures();
        long verifiesBefore = cluster.replicaVerifications() + cluster.clientVerifications();
        long[] stepBefore = new long[PumpedCluster.REPLICAS];
        for (int id = 0; id < stepBefore.length; id++) {
            stepBefore[id] = cluster.stepNanos(id);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long elapsed = pumpFor(cluster, duration.toNanos());
        long cpu = Math.max(0, threads.getCurrentThreadCpuTime() - cpuBefore);
        long requests = cluster.requestsDecided() - requestsBefore;
        List<Double> perRequest = new ArrayList<>();
        for (int id = 0; id < PumpedCluster.REPLICAS; id++) {
            perRequest.add(requests == 0 ? 0 : (cluster.stepNanos(id) - stepBefore[id]) / (double) requests);
        }
        double signs = requests == 0 ? 0 : (cluster.replicaSignatures() - signsBefore) / (double) requests;
        double verifies = requests == 0 ? 0
                : (cluster.replicaVerifications() + cluster.clientVerifications() - verifiesBefore) / (double) requests;
        return new Result(batchSize, operationBytes, signatures, requests, elapsed, cpu, signs, verifies, perRequest);
    }

    /** Orders batches until {@code nanos} have passed; returns the time actually taken. */
    private static long pumpFor(PumpedCluster cluster, long nanos) {
        long start = System.nanoTime();
        long elapsed;
        do {
            cluster.orderOneBatch();
            elapsed = System.nanoTime() - start;
        } while (elapsed < nanos);
        return elapsed;
    }

    /**
     * {@code java -cp ... io.phalanx.bench.StepThroughput [seconds] [batchSize...]}: measures every
     * batch size under every {@link Signatures} mode and prints one line each.
     *
     * @param args optionally the seconds per measurement (default 5), then batch sizes (default 1, 100, 400)
     */
    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int[] batchSizes = args.length > 1 ? new int[args.length - 1] : new int[] {1, 100, 400};
        for (int i = 1; i < args.length; i++) {
            batchSizes[i - 1] = Integer.parseInt(args[i]);
        }
        for (int batchSize : batchSizes) {
            for (Signatures mode : Signatures.values()) {
                System.out.println(run(Duration.ofSeconds(seconds), batchSize, DEFAULT_OPERATION_BYTES, mode).summary());
            }
        }
    }
}
