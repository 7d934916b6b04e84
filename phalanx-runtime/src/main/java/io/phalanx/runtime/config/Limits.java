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
 *                               or restarted replica catch up; one further behind needs state
 *                               transfer, which comes with durability
 */
public record Limits(int frameBytesMax, int outboundQueueFramesMax, long outboundQueueBytesMax, int decisionLogMax) {
    /** Default decisions kept for catch-up. */
    public static final int DECISION_LOG_MAX_DEFAULT = 1024;

    /** Limits with the default decision log. */
    public Limits(int frameBytesMax, int outboundQueueFramesMax, long outboundQueueBytesMax) {
        this(frameBytesMax, outboundQueueFramesMax, outboundQueueBytesMax, DECISION_LOG_MAX_DEFAULT);
    }

    public static Limits defaults() {
        return new Limits(16 << 20, 4096, 64L << 20, DECISION_LOG_MAX_DEFAULT);
    }
}
