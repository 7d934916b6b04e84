package io.phalanx.runtime.config;

/**
 * The {@code cluster} section: which view the file describes and its fault model.
 *
 * @param viewId           the view these replicas form (0 for a fresh cluster)
 * @param mode             BFT or CFT
 * @param f                faults tolerated
 * @param clientSignatures whether replicas require every client request to carry the client's
 *                         Ed25519 signature (and clients sign them). Without signatures a
 *                         Byzantine leader could order requests no client sent, so BFT clusters
 *                         facing Byzantine replicas should turn it on; it costs one signature per
 *                         request at the client and one verification per request at each replica
 */
public record ClusterSection(long viewId, Mode mode, int f, boolean clientSignatures) {
    /**
     * A section without client signatures (the file's default).
     *
     * @param viewId the view these replicas form
     * @param mode   BFT or CFT
     * @param f      faults tolerated
     */
    public ClusterSection(long viewId, Mode mode, int f) {
        this(viewId, mode, f, false);
    }
}
