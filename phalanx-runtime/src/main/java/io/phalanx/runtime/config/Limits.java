package io.phalanx.runtime.config;

/**
 * The {@code limits} section: the bounds that keep one slow or hostile peer from exhausting a
 * replica's memory.
 *
 * @param frameBytesMax          largest frame accepted or sent; a longer length prefix closes
 *                               the connection
 * @param outboundQueueFramesMax frames waiting to be written to one peer; beyond it sends are
 *                               dropped (the protocol retransmits)
 * @param outboundQueueBytesMax  bytes waiting to be written to one peer (Netty's high water
 *                               mark); beyond it sends are dropped too
 * @param decisionLogMax         recent decisions (with proofs) kept in memory to let a lagging
 *                               or restarted replica catch up; one further behind gets a
 *                               checkpoint by state transfer
 * @param clientsMax             client sessions (exactly-once windows and cached replies) a
 *                               replica keeps; a decision that begins one more evicts the one
 *                               whose last decided request is oldest. Shapes replicated state, so
 *                               every replica must use the same value (it comes from this shared file)
 */
public record Limits(int frameBytesMax, int outboundQueueFramesMax, long outboundQueueBytesMax, int decisionLogMax,
                     int clientsMax) {
    /** Default decisions kept for catch-up. */
    public static final int DECISION_LOG_MAX_DEFAULT = 1024;
    /** Default client sessions kept: the core's ({@code ReplicaConfig.CLIENTS_DEFAULT}). */
    public static final int CLIENTS_MAX_DEFAULT = io.phalanx.core.replica.ReplicaConfig.CLIENTS_DEFAULT;

    /**
     * Limits with the default decision log and client sessions.
     *
     * @param frameBytesMax          largest frame accepted or sent
     * @param outboundQueueFramesMax frames waiting to be written to one peer
     * @param outboundQueueBytesMax  bytes waiting to be written to one peer
     */
    public Limits(int frameBytesMax, int outboundQueueFramesMax, long outboundQueueBytesMax) {
        this(frameBytesMax, outboundQueueFramesMax, outboundQueueBytesMax, DECISION_LOG_MAX_DEFAULT, CLIENTS_MAX_DEFAULT);
    }

    /**
     * The section's values when the file omits it.
     *
     * @return 16 MiB frames, 4,096 frames or 64 MiB queued per peer, and the default decision log and sessions
     */
    public static Limits defaults() {
        return new Limits(16 << 20, 4096, 64L << 20, DECISION_LOG_MAX_DEFAULT, CLIENTS_MAX_DEFAULT);
    }
}
