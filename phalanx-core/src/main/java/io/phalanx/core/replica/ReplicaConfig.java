package io.phalanx.core.replica;

import io.phalanx.core.view.View;

import java.util.Objects;

/**
 * Protocol limits of one replica. Every bound the core enforces is here, named {@code ...Max},
 * so that memory use is bounded whatever peers and clients send.
 *
 * <p>Build one with {@link #builder} (or {@link #defaults}), change one with {@link #toBuilder}:
 * a limit added later then costs one builder setter, not a change at every call site. The
 * canonical constructor is public only because a record's must be; it checks the same things.
 *
 * <p>{@code clientWindowMax} and {@code clientsMax} shape the replicated client sessions
 * (what runs, what is refused, what a checkpoint holds), so every replica of a cluster must use
 * the same values, as it uses the same service.
 *
 * @param replicaId            this replica's id; must be a member of {@code view}
 * @param view                 the initial view
 * @param batchRequestsMax     most requests the leader puts in one batch
 * @param batchBytesMax        most bytes of requests in one batch
 * @param pendingRequestsMax   most ordered requests waiting to be proposed; more are dropped
 *                             (and counted) until the client retransmits
 * @param instanceWindowMax    how many instances ahead of the last decided one votes are
 *                             buffered; votes further ahead are dropped (and counted)
 * @param clientWindowMax      how many sequence numbers ahead of its oldest undecided one a
 *                             client may have outstanding
 * @param clientsMax           most client sessions kept (the ordering layer's decided windows, the
 *                             execution layer's windows and cached replies, a checkpoint's
 *                             sessions); a decision that starts one more evicts the session whose
 *                             last decided request is oldest (see {@link ClientSessions})
 * @param operationBytesMax    largest operation a request may carry
 * @param clockSkewMaxMs       how far a batch's timestamp may stray from this replica's clock
 * @param requestTimeoutMs     the request timer: a request pending this long is forwarded to
 *                             every replica; pending twice this long, it starts a leader change.
 *                             An installed regency whose SYNC does not come within it is abandoned
 *                             for the next (a STOP no quorum joined is only retransmitted).
 *                             Doubled for every leader change that did not
 *                             lead to a decision, up to {@code 2^timeoutBackoffExponentMax} times
 * @param timeoutBackoffExponentMax cap of the timeout's exponential backoff
 * @param decisionLogMax       how many recent decisions (with proofs) are kept to help lagging
 *                             replicas catch up; one further behind needs state transfer
 * @param decisionPushMax      most decisions sent in one DECISION_PUSH (fewer if their batches
 *                             would hold more than {@code batchBytesMax} bytes together)
 * @param clientSignaturesRequired whether every client request must carry a valid signature;
 *                             without them a Byzantine leader could propose requests no client
 *                             sent, so BFT deployments facing Byzantine replicas should turn it on
 * @param pipelineMax          how many consensus instances the leader keeps open at once (1: the
 *                             next is proposed only once the previous one is decided); at most
 *                             {@code instanceWindowMax}
 * @param checkpointPeriod     a checkpoint follows every this many decisions (after consensus ids
 *                             {@code period - 1}, {@code 2 * period - 1}, ...); a replica too far
 *                             behind for the decision log gets the latest one by state
 *                             transfer. At most half of {@code decisionLogMax}, so the decisions
 *                             after a checkpoint are still in the log while it is transferred
 * @param sendsAwaitPersistence whether the core holds a step's sends until the driver reports its
 *                             records durable ({@link Input.Persisted}), for a driver that persists
 *                             asynchronously and promises durability (see {@link Output})
 */
public record ReplicaConfig(int replicaId, View view, int batchRequestsMax, int batchBytesMax,
                            int pendingRequestsMax, int instanceWindowMax, int clientWindowMax, int clientsMax,
                            int operationBytesMax, long clockSkewMaxMs, long requestTimeoutMs,
                            int timeoutBackoffExponentMax, int decisionLogMax, int decisionPushMax,
                            boolean clientSignaturesRequired, int pipelineMax, int checkpointPeriod,
                            boolean sendsAwaitPersistence) {

    /**
     * Instances in flight by default: one. On a LAN the replicas' CPU, not the network, limits
     * throughput, and more open instances only split the same requests into more, smaller
     * batches, each paying for its own votes and signatures (docs/PERFORMANCE.md has the A/B).
     * Where round trips dominate (geo-replication) a deeper pipeline pays off.
     */
    public static final int PIPELINE_DEFAULT = 1;
    /** Instances ahead of the last decided one whose votes are kept, by default; bounds the pipeline. */
    public static final int INSTANCE_WINDOW_DEFAULT = 64;
    /** Decisions kept for catch-up by default. */
    public static final int DECISION_LOG_DEFAULT = 1_024;
    /**
     * Decisions between checkpoints by default: a quarter of the default log, so a replica that
     * receives a checkpoint still finds the decisions after it in its peers' logs.
     */
    public static final int CHECKPOINT_PERIOD_DEFAULT = 256;
    /**
     * Client sessions kept by default. Large enough that the clients a deployment lists in its
     * cluster file (each with a certificate) all keep their sessions, so the bound does not bite in
     * normal operation: eviction costs the evicted client its session. Small enough to cap what
     * sessions cost, the largest per-client state a replica has: the execution layer caches a
     * client's last {@code clientWindowMax} (256) replies, about 60 KB for 100-byte results, so
     * 10,000 busy clients take about 600 MB at worst; the windows themselves are a few numbers each
     * for clients that wait for one call before the next.
     */
    public static final int CLIENTS_DEFAULT = 10_000;

    public ReplicaConfig {
        Objects.requireNonNull(view, "view");
        if (!view.contains(replicaId)) {
            throw new IllegalArgumentException("replicaId " + replicaId + " is not a member of view " + view.members());
        }
        requirePositive("batchRequestsMax", batchRequestsMax);
        requirePositive("batchBytesMax", batchBytesMax);
        requirePositive("pendingRequestsMax", pendingRequestsMax);
        requirePositive("instanceWindowMax", instanceWindowMax);
        requirePositive("clientWindowMax", clientWindowMax);
        requirePositive("clientsMax", clientsMax);
        requirePositive("operationBytesMax", operationBytesMax);
        requirePositive("clockSkewMaxMs", clockSkewMaxMs);
        requirePositive("requestTimeoutMs", requestTimeoutMs);
        requirePositive("decisionLogMax", decisionLogMax);
        requirePositive("decisionPushMax", decisionPushMax);
        if (timeoutBackoffExponentMax < 0 || timeoutBackoffExponentMax > 20) {
            throw new IllegalArgumentException("timeoutBackoffExponentMax must be within 0..20, got " + timeoutBackoffExponentMax);
        }
        if (pipelineMax < 1 || pipelineMax > instanceWindowMax) {
            throw new IllegalArgumentException("pipelineMax must be within 1..instanceWindowMax (" + instanceWindowMax
                    + "), got " + pipelineMax);
        }
        if (checkpointPeriod < 1 || checkpointPeriod > Math.max(1, decisionLogMax / 2)) {
            throw new IllegalArgumentException("checkpointPeriod must be within 1..decisionLogMax/2 ("
                    + Math.max(1, decisionLogMax / 2) + "), got " + checkpointPeriod);
        }
        if (operationBytesMax > batchBytesMax) {
            throw new IllegalArgumentException("operationBytesMax (" + operationBytesMax
                    + ") must not exceed batchBytesMax (" + batchBytesMax + "): such a request could never be proposed");
        }
    }

    /**
     * Defaults suited to a LAN cluster: 2 s request timeout, backing off to at most 32 s, so that
     * after the network recovers f crashed leaders in a row cost well under a minute.
     */
    public static ReplicaConfig defaults(int replicaId, View view) {
        return builder(replicaId, view).build();
    }

    /** A builder holding {@link #defaults}; set what differs, then {@link Builder#build}. */
    public static Builder builder(int replicaId, View view) {
        return new Builder(replicaId, view);
    }

    /** A builder holding these limits, to make a copy that differs in some. */
    public Builder toBuilder() {
        return new Builder(replicaId, view)
                .batchRequestsMax(batchRequestsMax)
                .batchBytesMax(batchBytesMax)
                .pendingRequestsMax(pendingRequestsMax)
                .instanceWindowMax(instanceWindowMax)
                .clientWindowMax(clientWindowMax)
                .clientsMax(clientsMax)
                .operationBytesMax(operationBytesMax)
                .clockSkewMaxMs(clockSkewMaxMs)
                .requestTimeoutMs(requestTimeoutMs)
                .timeoutBackoffExponentMax(timeoutBackoffExponentMax)
                .decisionLogMax(decisionLogMax)
                .decisionPushMax(decisionPushMax)
                .clientSignaturesRequired(clientSignaturesRequired)
                .pipelineMax(pipelineMax)
                .checkpointPeriod(checkpointPeriod)
                .sendsAwaitPersistence(sendsAwaitPersistence);
    }

    /**
     * Sets limits one by one, starting from {@link #defaults}; {@link #build} checks them together
     * and names the first bad one. Each setter's meaning is the record component's of the same name.
     */
    public static final class Builder {
        private final int replicaId;
        private final View view;
        private int batchRequestsMax = 400;
        private int batchBytesMax = 1 << 20;
        private int pendingRequestsMax = 10_000;
        private int instanceWindowMax = INSTANCE_WINDOW_DEFAULT;
        private int clientWindowMax = 256;
        private int clientsMax = CLIENTS_DEFAULT;
        private int operationBytesMax = 64 * 1024;
        private long clockSkewMaxMs = 30_000;
        private long requestTimeoutMs = 2_000;
        private int timeoutBackoffExponentMax = 4;
        private int decisionLogMax = DECISION_LOG_DEFAULT;
        private int decisionPushMax = 128;
        private boolean clientSignaturesRequired;
        private int pipelineMax = PIPELINE_DEFAULT;
        private int checkpointPeriod = CHECKPOINT_PERIOD_DEFAULT;
        private boolean sendsAwaitPersistence;

        private Builder(int replicaId, View view) {
            this.replicaId = replicaId;
            this.view = view;
        }

        public Builder batchRequestsMax(int value) {
            batchRequestsMax = value;
            return this;
        }

        public Builder batchBytesMax(int value) {
            batchBytesMax = value;
            return this;
        }

        public Builder pendingRequestsMax(int value) {
            pendingRequestsMax = value;
            return this;
        }

        public Builder instanceWindowMax(int value) {
            instanceWindowMax = value;
            return this;
        }

        public Builder clientWindowMax(int value) {
            clientWindowMax = value;
            return this;
        }

        public Builder clientsMax(int value) {
            clientsMax = value;
            return this;
        }

        public Builder operationBytesMax(int value) {
            operationBytesMax = value;
            return this;
        }

        public Builder clockSkewMaxMs(long value) {
            clockSkewMaxMs = value;
            return this;
        }

        public Builder requestTimeoutMs(long value) {
            requestTimeoutMs = value;
            return this;
        }

        public Builder timeoutBackoffExponentMax(int value) {
            timeoutBackoffExponentMax = value;
            return this;
        }

        public Builder decisionLogMax(int value) {
            decisionLogMax = value;
            return this;
        }

        public Builder decisionPushMax(int value) {
            decisionPushMax = value;
            return this;
        }

        public Builder clientSignaturesRequired(boolean value) {
            clientSignaturesRequired = value;
            return this;
        }

        public Builder pipelineMax(int value) {
            pipelineMax = value;
            return this;
        }

        public Builder checkpointPeriod(int value) {
            checkpointPeriod = value;
            return this;
        }

        public Builder sendsAwaitPersistence(boolean value) {
            sendsAwaitPersistence = value;
            return this;
        }

        /**
         * The limits set so far.
         *
         * @throws IllegalArgumentException naming the first key whose value is out of range, alone
         *                                  or together with another (e.g. {@code pipelineMax} above
         *                                  {@code instanceWindowMax})
         */
        public ReplicaConfig build() {
            return new ReplicaConfig(replicaId, view, batchRequestsMax, batchBytesMax, pendingRequestsMax,
                    instanceWindowMax, clientWindowMax, clientsMax, operationBytesMax, clockSkewMaxMs, requestTimeoutMs,
                    timeoutBackoffExponentMax, decisionLogMax, decisionPushMax, clientSignaturesRequired, pipelineMax,
                    checkpointPeriod, sendsAwaitPersistence);
        }
    }

    /** True if a checkpoint follows decision {@code consensusId}. */
    public boolean checkpointAfter(long consensusId) {
        return (consensusId + 1) % checkpointPeriod == 0;
    }

    /**
     * The size of a state-transfer chunk: a batch's worth, since every frame limit is sized to
     * carry a full batch.
     */
    public int stateChunkBytes() {
        return batchBytesMax;
    }

    /** How often the core wants a tick while it has timers running: an eighth of the request timeout. */
    public long tickIntervalMs() {
        return Math.max(1, requestTimeoutMs / 8);
    }

    private static void requirePositive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
