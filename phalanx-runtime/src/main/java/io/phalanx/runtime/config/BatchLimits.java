package io.phalanx.runtime.config;

/**
 * The {@code batch} section: how much a leader may put in one proposal.
 *
 * @param requestsMax requests per batch
 * @param bytesMax    encoded request bytes per batch; must fit in one frame
 */
public record BatchLimits(int requestsMax, int bytesMax) {
    public static BatchLimits defaults() {
        return new BatchLimits(400, 1 << 20);
    }
}
