package io.phalanx.bench.jmh;

import io.phalanx.core.crypto.Digests;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.Digest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The batch digest replicas vote on ({@code Digests.ofBatch}: canonical encoding, then SHA-256).
 * Every replica computes it once per proposal (the leader when it proposes, followers when they
 * adopt), so its cost divided by the batch size is paid per request by each replica.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class DigestBenchmark {
    /** Requests per batch. */
    @Param({"1", "100", "400"})
    public int batchSize;

    /** Size of every request's operation: empty, or 1 KiB. */
    @Param({"0", "1024"})
    public int operationBytes;

    private Batch batch;

    /** Builds the batch. */
    @Setup
    public void setUp() {
        batch = Fixtures.batch(batchSize, operationBytes);
    }

    /**
     * Computes the batch's digest.
     *
     * @return the digest, for JMH to consume
     */
    @Benchmark
    public Digest ofBatch() {
        return Digests.ofBatch(batch);
    }
}
