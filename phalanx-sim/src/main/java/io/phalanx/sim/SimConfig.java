package io.phalanx.sim;

import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

/**
 * One simulation run's parameters. Everything random in the run is drawn from {@code seed}.
 *
 * @param seed               the run's only source of randomness
 * @param mode               BFT or CFT
 * @param replicas           n
 * @param f                  faults tolerated; must fit n for the mode
 * @param clients            number of correct clients
 * @param operationsPerClient operations each client performs (closed loop)
 * @param clientOutstandingMax most operations a client keeps in flight
 * @param readOnlyPercent    share of operations sent as unordered read-only queries
 * @param delayMinMs         network delay lower bound
 * @param delayMaxMs         network delay upper bound (outside spikes)
 * @param spikePercent       share of messages hit by a latency spike
 * @param spikeMaxMs         largest spike
 * @param duplicatePercent   share of messages delivered twice
 * @param crashes            how many non-leader replicas crash at random times (at most f)
 * @param timeLimitMs        simulated time after which unfinished operations are liveness failures
 */
public record SimConfig(long seed, Mode mode, int replicas, int f, int clients, int operationsPerClient,
                        int clientOutstandingMax, int readOnlyPercent, int delayMinMs, int delayMaxMs,
                        int spikePercent, int spikeMaxMs, int duplicatePercent, int crashes, long timeLimitMs) {

    public SimConfig {
        View.of(0, replicas, f, mode); // validates n, f and mode together
        if (crashes < 0 || crashes > f) {
            throw new IllegalArgumentException("crashes must be within 0..f (" + f + "), got " + crashes);
        }
        if (clients < 1 || operationsPerClient < 0 || clientOutstandingMax < 1) {
            throw new IllegalArgumentException("need clients >= 1, operationsPerClient >= 0, clientOutstandingMax >= 1");
        }
        if (delayMinMs < 0 || delayMaxMs < delayMinMs || spikeMaxMs < 0) {
            throw new IllegalArgumentException("need 0 <= delayMinMs <= delayMaxMs and spikeMaxMs >= 0");
        }
        for (int percent : new int[] {readOnlyPercent, spikePercent, duplicatePercent}) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("percentages must be within 0..100, got " + percent);
            }
        }
    }

    /** The largest f that n replicas tolerate in {@code mode}. */
    public static int maxF(int replicas, Mode mode) {
        return mode == Mode.BFT ? (replicas - 1) / 3 : (replicas - 1) / 2;
    }

    /**
     * A run with the fault mix for {@code seed}: n replicas at their largest f, up to f crashes,
     * and network parameters all drawn from the seed, so sweeping seeds sweeps scenarios too.
     */
    public static SimConfig randomized(long seed, Mode mode, int replicas) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        int f = maxF(replicas, mode);
        return new SimConfig(seed, mode, replicas, f,
                1 + random.nextInt(4),          // clients
                20 + random.nextInt(40),        // operations per client
                1 + random.nextInt(3),          // outstanding per client
                random.nextInt(40),             // read-only share
                random.nextInt(3),              // min delay
                3 + random.nextInt(20),         // max delay
                random.nextInt(10),             // spikes
                50 + random.nextInt(300),       // spike size
                random.nextInt(10),             // duplicates
                random.nextInt(f + 1),          // crashes
                600_000);
    }

    public View view() {
        return View.of(0, replicas, f, mode);
    }
}
