package io.phalanx.runtime.config;

/**
 * The {@code batch} section: how much a leader may put in one proposal, and how many proposals
 * it keeps in flight.
 *
 * @param requestsMax requests per batch
 * @param bytesMax    encoded request bytes per batch; must fit in one frame
 * @param pipelineMax consensus instances the leader keeps open at once (1: one at a time)
 */
public record BatchLimits(int requestsMax, int bytesMax, int pipelineMax) {
    /**
     * The section's values when the file omits it.
     *
     * @return 400 requests and 1 MiB per batch, one batch in flight
     */
    public static BatchLimits defaults() {
        return new BatchLimits(400, 1 << 20, io.phalanx.core.replica.ReplicaConfig.PIPELINE_DEFAULT);
    }
}
