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
 */
public record Limits(int frameBytesMax, int outboundQueueFramesMax, long outboundQueueBytesMax) {
    public static Limits defaults() {
        return new Limits(4 << 20, 4096, 64L << 20);
    }
}
