package io.phalanx.runtime.admin;

import io.micrometer.core.instrument.DistributionSummary;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.service.ExecutionContext;
import io.phalanx.core.service.Service;
import io.phalanx.core.service.Snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests of decided batches as the service executes them, and the size of each
 * batch: the core counts decided instances, not the requests in them. It sits between the
 * replica's executor and its {@link Service} ({@link #wrap}), on the execution thread; readers
 * (a scrape, {@code /status}) may be on any thread.
 *
 * <p>Decisions replayed from the log at start (up to {@code replayedUpTo}) are not counted: they
 * were counted by the process that decided them. A batch's size is recorded when the next batch
 * starts, so the newest batch shows in the distribution one batch late.
 */
public final class ExecutionMeter {
    private final long replayedUpTo;
    private final LongAdder requests = new LongAdder();
    private volatile DistributionSummary batchSizes;
    /** Execution thread only. */
    private long batchConsensusId = -1;
    private int batchRequests;

    /** @param replayedUpTo the last consensus id replayed from the log at start (-1: none) */
    public ExecutionMeter(long replayedUpTo) {
        this.replayedUpTo = replayedUpTo;
    }

    /**
     * Requests executed in decided batches since the start.
     *
     * @return the count, without those replayed from the log
     */
    public long requests() {
        return requests.sum();
    }

    /** Where batch sizes go from now on (none are kept before). */
    void recordBatchesIn(DistributionSummary summary) {
        this.batchSizes = summary;
    }

    private void executed(long consensusId) {
        if (consensusId <= replayedUpTo) {
            return;
        }
        requests.increment();
        if (consensusId != batchConsensusId) {
            DistributionSummary summary = batchSizes;
            if (batchConsensusId >= 0 && summary != null) {
                summary.record(batchRequests);
            }
            batchConsensusId = consensusId;
            batchRequests = 0;
        }
        batchRequests++;
    }

    /**
     * Counts what a service executes.
     *
     * @param service the service to count
     * @return a service that counts each executed request and otherwise passes every call
     *         through to {@code service} unchanged
     */
    public Service wrap(Service service) {
        return new Service() {
            @Override
            public Bytes execute(Bytes operation, ExecutionContext context) {
                Bytes result = service.execute(operation, context);
                executed(context.consensusId());
                return result;
            }

            @Override
            public Bytes query(Bytes operation) {
                return service.query(operation);
            }

            @Override
            public Bytes snapshot() {
                return service.snapshot();
            }

            @Override
            public void restore(Bytes snapshot) {
                service.restore(snapshot);
            }

            @Override
            public Snapshot openSnapshot() {
                return service.openSnapshot();
            }

            @Override
            public void restore(InputStream in) throws IOException {
                service.restore(in);
            }

            @Override
            public String toString() {
                return service.toString();
            }
        };
    }
}
