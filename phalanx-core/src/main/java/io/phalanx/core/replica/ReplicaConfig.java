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
 * @param viewGovernsFrom      the first consensus instance {@code view} governs: 0 for a cluster's first
 *                             view; for a replica that joins a running cluster, the first instance of
 *                             the view that added it (the administrator's reply names it), so that it
 *                             trusts no proof of an earlier instance before a checkpoint tells it
 *                             the views before
 * @param adminClientId        the client id of the administrator, whose ordered requests are view
 *                             changes ({@code MessageCodec.encodeViewChange}) that the core installs
 *                             instead of passing them to the service; -1 if the cluster has none.
 *                             Like {@code instanceWindowMax}, the same on every replica
 */
public record ReplicaConfig(int replicaId, View view, int batchRequestsMax, int batchBytesMax,
                            int pendingRequestsMax, int instanceWindowMax, int clientWindowMax, int clientsMax,
                            int operationBytesMax, long clockSkewMaxMs, long requestTimeoutMs,
                            int timeoutBackoffExponentMax, int decisionLogMax, int decisionPushMax,
                            boolean clientSignaturesRequired, int pipelineMax, int checkpointPeriod,
                            boolean sendsAwaitPersistence, long viewGovernsFrom, long adminClientId) {

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

    /**
     * Checks every limit alone and together with the others; prefer {@link #builder}.
     *
     * @param replicaId                 this replica's id, a member of {@code view}
     * @param view                      the initial view
     * @param batchRequestsMax          most requests in one batch, above 0
     * @param batchBytesMax             most bytes of requests in one batch, above 0
     * @param pendingRequestsMax        most ordered requests waiting to be proposed, above 0
     * @param instanceWindowMax         how many instances ahead votes are buffered, above 0
     * @param clientWindowMax           how many sequence numbers a client may have outstanding, above 0
     * @param clientsMax                most client sessions kept, above 0
     * @param operationBytesMax         largest operation, above 0 and at most {@code batchBytesMax}
     * @param clockSkewMaxMs            how far a batch's timestamp may stray from this replica's clock, above 0
     * @param requestTimeoutMs          the request timer, above 0
     * @param timeoutBackoffExponentMax cap of the timeout's exponential backoff, within 0..20
     * @param decisionLogMax            how many recent decisions are kept, above 0
     * @param decisionPushMax           most decisions in one DECISION_PUSH, above 0
     * @param clientSignaturesRequired  whether every client request must carry a valid signature
     * @param pipelineMax               open instances at once, within 1..{@code instanceWindowMax}
     * @param checkpointPeriod          decisions between checkpoints, within 1..{@code decisionLogMax / 2}
     * @param sendsAwaitPersistence     whether sends wait for the driver to report persistence
     * @param viewGovernsFrom           the first instance {@code view} governs, at least 0
     * @param adminClientId             the administrator's client id, -1 if none
     * @throws IllegalArgumentException naming the first limit out of range
     */
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
        if (viewGovernsFrom < 0) {
            throw new IllegalArgumentException("viewGovernsFrom must be >= 0, got " + viewGovernsFrom);
        }
        if (adminClientId < -1) {
            throw new IllegalArgumentException("adminClientId must be a client id or -1 (no administrator), got " + adminClientId);
        }
        if (operationBytesMax > batchBytesMax) {
            throw new IllegalArgumentException("operationBytesMax (" + operationBytesMax
                    + ") must not exceed batchBytesMax (" + batchBytesMax + "): such a request could never be proposed");
        }
    }

    /**
     * Defaults suited to a LAN cluster: 2 s request timeout, backing off to at most 32 s, so that
     * after the network recovers f crashed leaders in a row cost well under a minute.
     *
     * @param replicaId this replica's id, a member of {@code view}
     * @param view      the initial view
     * @return the default limits for that replica
     */
    public static ReplicaConfig defaults(int replicaId, View view) {
        return builder(replicaId, view).build();
    }

    /**
     * A builder holding {@link #defaults}; set what differs, then {@link Builder#build}.
     *
     * @param replicaId this replica's id, a member of {@code view}
     * @param view      the initial view
     * @return a builder with every limit at its default
     */
    public static Builder builder(int replicaId, View view) {
        return new Builder(replicaId, view);
    }

    /**
     * A builder holding these limits, to make a copy that differs in some.
     *
     * @return a builder with every limit set as in this config
     */
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
                .sendsAwaitPersistence(sendsAwaitPersistence)
                .viewGovernsFrom(viewGovernsFrom)
                .adminClientId(adminClientId);
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
        private long viewGovernsFrom;
        private long adminClientId = -1;

        private Builder(int replicaId, View view) {
            this.replicaId = replicaId;
            this.view = view;
        }

        /**
         * Sets the most requests the leader puts in one batch (default 400).
         *
         * @param value the limit, above 0
         * @return this builder
         */
        public Builder batchRequestsMax(int value) {
            batchRequestsMax = value;
            return this;
        }

        /**
         * Sets the most bytes of requests in one batch (default 1 MiB).
         *
         * @param value the limit, above 0
         * @return this builder
         */
        public Builder batchBytesMax(int value) {
            batchBytesMax = value;
            return this;
        }

        /**
         * Sets the most ordered requests waiting to be proposed (default 10,000).
         *
         * @param value the limit, above 0
         * @return this builder
         */
        public Builder pendingRequestsMax(int value) {
            pendingRequestsMax = value;
            return this;
        }

        /**
         * Sets how many instances ahead of the last decided one votes are buffered (default
         * {@link #INSTANCE_WINDOW_DEFAULT}).
         *
         * @param value the window, above 0
         * @return this builder
         */
        public Builder instanceWindowMax(int value) {
            instanceWindowMax = value;
            return this;
        }

        /**
         * Sets how many sequence numbers ahead of its oldest undecided one a client may have
         * outstanding (default 256); every replica of a cluster must use the same value.
         *
         * @param value the window, above 0
         * @return this builder
         */
        public Builder clientWindowMax(int value) {
            clientWindowMax = value;
            return this;
        }

        /**
         * Sets the most client sessions kept (default {@link #CLIENTS_DEFAULT}); every replica of a
         * cluster must use the same value.
         *
         * @param value the limit, above 0
         * @return this builder
         */
        public Builder clientsMax(int value) {
            clientsMax = value;
            return this;
        }

        /**
         * Sets the largest operation a request may carry (default 64 KiB).
         *
         * @param value the limit in bytes, above 0 and at most {@code batchBytesMax}
         * @return this builder
         */
        public Builder operationBytesMax(int value) {
            operationBytesMax = value;
            return this;
        }

        /**
         * Sets how far a batch's timestamp may stray from this replica's clock (default 30 s).
         *
         * @param value the skew in milliseconds, above 0
         * @return this builder
         */
        public Builder clockSkewMaxMs(long value) {
            clockSkewMaxMs = value;
            return this;
        }

        /**
         * Sets the request timer (default 2 s).
         *
         * @param value the timeout in milliseconds, above 0
         * @return this builder
         */
        public Builder requestTimeoutMs(long value) {
            requestTimeoutMs = value;
            return this;
        }

        /**
         * Sets the cap of the timeout's exponential backoff (default 4: at most 16 times the request timeout).
         *
         * @param value the exponent, within 0..20
         * @return this builder
         */
        public Builder timeoutBackoffExponentMax(int value) {
            timeoutBackoffExponentMax = value;
            return this;
        }

        /**
         * Sets how many recent decisions are kept for lagging replicas (default {@link #DECISION_LOG_DEFAULT}).
         *
         * @param value the number of decisions, above 0
         * @return this builder
         */
        public Builder decisionLogMax(int value) {
            decisionLogMax = value;
            return this;
        }

        /**
         * Sets the most decisions sent in one DECISION_PUSH (default 128).
         *
         * @param value the limit, above 0
         * @return this builder
         */
        public Builder decisionPushMax(int value) {
            decisionPushMax = value;
            return this;
        }

        /**
         * Sets whether every client request must carry a valid signature (default false).
         *
         * @param value true to require client signatures
         * @return this builder
         */
        public Builder clientSignaturesRequired(boolean value) {
            clientSignaturesRequired = value;
            return this;
        }

        /**
         * Sets how many instances the leader keeps open at once (default {@link #PIPELINE_DEFAULT}).
         *
         * @param value the depth, within 1..{@code instanceWindowMax}
         * @return this builder
         */
        public Builder pipelineMax(int value) {
            pipelineMax = value;
            return this;
        }

        /**
         * Sets the number of decisions between checkpoints (default {@link #CHECKPOINT_PERIOD_DEFAULT}).
         *
         * @param value the period, within 1..{@code decisionLogMax / 2}
         * @return this builder
         */
        public Builder checkpointPeriod(int value) {
            checkpointPeriod = value;
            return this;
        }

        /**
         * Sets whether the core holds a step's sends until the driver reports its records durable (default false).
         *
         * @param value true for a driver that persists asynchronously
         * @return this builder
         */
        public Builder sendsAwaitPersistence(boolean value) {
            sendsAwaitPersistence = value;
            return this;
        }

        /**
         * Sets the first instance the view governs (default 0: the cluster's first view).
         *
         * @param value the first instance of the view that added a joining replica, or 0
         * @return this builder
         */
        public Builder viewGovernsFrom(long value) {
            viewGovernsFrom = value;
            return this;
        }

        /**
         * Sets the administrator's client id (default -1: no administrator, no view changes).
         *
         * @param value a client id, or -1
         * @return this builder
         */
        public Builder adminClientId(long value) {
            adminClientId = value;
            return this;
        }

        /**
         * The limits set so far.
         *
         * @return a config holding them
         * @throws IllegalArgumentException naming the first key whose value is out of range, alone
         *                                  or together with another (e.g. {@code pipelineMax} above
         *                                  {@code instanceWindowMax})
         */
        public ReplicaConfig build() {
            return new ReplicaConfig(replicaId, view, batchRequestsMax, batchBytesMax, pendingRequestsMax,
                    instanceWindowMax, clientWindowMax, clientsMax, operationBytesMax, clockSkewMaxMs, requestTimeoutMs,
                    timeoutBackoffExponentMax, decisionLogMax, decisionPushMax, clientSignaturesRequired, pipelineMax,
                    checkpointPeriod, sendsAwaitPersistence, viewGovernsFrom, adminClientId);
        }
    }

    /**
     * Whether a checkpoint follows a decision.
     *
     * @param consensusId the decision
     * @return true if a checkpoint follows decision {@code consensusId}
     */
    public boolean checkpointAfter(long consensusId) {
        return (consensusId + 1) % checkpointPeriod == 0;
    }

    /**
     * Whether a checkpoint follows {@code decision}: every {@link #checkpointAfter period}, and
     * also after every decision holding an administrator's request, so that a replica the change
     * adds finds a checkpoint to start from that carries the views before its own (it can check
     * no decision of an instance before the view that added it).
     *
     * @param decision the decision
     * @return true if a checkpoint follows it
     */
    public boolean checkpointFollows(io.phalanx.core.message.Decision decision) {
        if (checkpointAfter(decision.consensusId())) {
            return true;
        }
        for (io.phalanx.core.message.Request request : decision.batch().requests()) {
            if (Administration.isAdmin(adminClientId, request)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The size of a state-transfer chunk: a batch's worth, since every frame limit is sized to
     * carry a full batch.
     *
     * @return {@code batchBytesMax}
     */
    public int stateChunkBytes() {
        return batchBytesMax;
    }

    /**
     * How often the core wants a tick while it has timers running.
     *
     * @return an eighth of the request timeout, at least 1 ms
     */
    public long tickIntervalMs() {
        return Math.max(1, requestTimeoutMs / 8);
    }

    private static void requirePositive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
