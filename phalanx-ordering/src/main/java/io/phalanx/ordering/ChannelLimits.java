package io.phalanx.ordering;

/**
 * How a channel's blockcutter cuts blocks, with Fabric's meaning of each limit (Fabric's
 * {@code Orderer.BatchSize} and {@code BatchTimeout}).
 *
 * @param maxMessageCount   a block holds at most this many envelopes
 * @param absoluteMaxBytes  an envelope larger than this is refused
 * @param preferredMaxBytes a block's envelopes stay within this many bytes; a larger envelope
 *                          goes into a block of its own
 * @param batchTimeoutMs    how long the first envelope of a block may wait before a time-to-cut
 *                          request cuts the block with what it has
 */
public record ChannelLimits(int maxMessageCount, int absoluteMaxBytes, int preferredMaxBytes, long batchTimeoutMs) {
    /** Fabric's sample channel: 10 envelopes, 99 MiB absolute, 512 KiB preferred, 2 s. */
    public static final ChannelLimits DEFAULTS = new ChannelLimits(10, 99 * 1024 * 1024, 512 * 1024, 2_000);

    /**
     * Checks the limits.
     *
     * @throws IllegalArgumentException if a limit is not positive, or the preferred size exceeds the absolute one
     */
    public ChannelLimits {
        if (maxMessageCount < 1 || absoluteMaxBytes < 1 || preferredMaxBytes < 1 || batchTimeoutMs < 1) {
            throw new IllegalArgumentException("channel limits must be positive: " + maxMessageCount + ", "
                    + absoluteMaxBytes + ", " + preferredMaxBytes + ", " + batchTimeoutMs);
        }
        if (preferredMaxBytes > absoluteMaxBytes) {
            throw new IllegalArgumentException("preferredMaxBytes " + preferredMaxBytes + " exceeds absoluteMaxBytes "
                    + absoluteMaxBytes);
        }
    }
}
