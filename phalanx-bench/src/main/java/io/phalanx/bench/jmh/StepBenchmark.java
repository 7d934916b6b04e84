package io.phalanx.bench.jmh;

import io.phalanx.bench.PumpedCluster;
import io.phalanx.bench.Signatures;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The replica core's {@code step} throughput in isolation: one invocation orders one batch
 * through a {@link PumpedCluster} (4 BFT replicas, in one thread, no I/O, no codec). The primary
 * score is batches per second; the secondary {@code requests} counter is the number to read:
 * requests ordered per second by the whole cluster on one thread.
 *
 * <p>{@code signatures=true} is real JDK Ed25519 on ACCEPT votes (WRITEs and requests unsigned);
 * {@code false} is a no-op signer and an accepting verifier.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StepBenchmark {

    /** The cluster, built (with fresh keys) once per trial and primed so that one instance is open. */
    @State(Scope.Thread)
    public static class ClusterState {
        /** Requests per batch. */
        @Param({"1", "100", "400"})
        public int batchSize;

        /** Whether replicas sign their ACCEPTs with real Ed25519. */
        @Param({"false", "true"})
        public boolean signatures;

        PumpedCluster cluster;

        /** Builds the cluster and orders a first batch, which opens the instance the benchmark keeps going. */
        @Setup(Level.Trial)
        public void setUp() {
            cluster = new PumpedCluster(batchSize, 0, signatures ? Signatures.REPLICAS : Signatures.NONE);
            cluster.orderOneBatch();
        }
    }

    /** Requests decided, reported by JMH as a rate next to the batches-per-second score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Decided {
        /** Requests decided in this iteration; JMH reports it per second. */
        public long requests;

        /** Starts each iteration's count at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            requests = 0;
        }
    }

    /**
     * Orders one batch through the four replicas.
     *
     * @param state   the cluster
     * @param decided the counter of requests decided
     * @return the requests decided, for JMH to consume
     */
    @Benchmark
    public int orderBatch(ClusterState state, Decided decided) {
        int requests = state.cluster.orderOneBatch();
        decided.requests += requests;
        return requests;
    }
}
