package io.phalanx.runtime.config;

/**
 * The {@code cluster} section: which view the file describes, its fault model, and who may change
 * the view.
 *
 * @param viewId           the view these replicas form (0 for a fresh cluster)
 * @param mode             BFT or CFT
 * @param f                faults tolerated
 * @param clientSignatures whether replicas require every client request to carry the client's
 *                         Ed25519 signature (and clients sign them). Without signatures a
 *                         Byzantine leader could order requests no client sent, so BFT clusters
 *                         facing Byzantine replicas should turn it on; it costs one signature per
 *                         request at the client and one verification per request at each replica
 * @param admin            the client id of the administrator, whose ordered view changes the
 *                         replicas install (a client the file lists, authenticated by its
 *                         certificate like any client); {@link #NO_ADMIN} when nobody may change
 *                         the view
 */
public record ClusterSection(long viewId, Mode mode, int f, boolean clientSignatures, long admin) {
    /** {@link #admin} of a cluster without an administrator: its view never changes. */
    public static final long NO_ADMIN = -1;

    /**
     * A section without an administrator (the file's default).
     *
     * @param viewId           the view these replicas form
     * @param mode             BFT or CFT
     * @param f                faults tolerated
     * @param clientSignatures whether replicas require signed client requests
     */
    public ClusterSection(long viewId, Mode mode, int f, boolean clientSignatures) {
        this(viewId, mode, f, clientSignatures, NO_ADMIN);
    }

    /**
     * A section without client signatures nor an administrator (the file's defaults).
     *
     * @param viewId the view these replicas form
     * @param mode   BFT or CFT
     * @param f      faults tolerated
     */
    public ClusterSection(long viewId, Mode mode, int f) {
        this(viewId, mode, f, false);
    }

    /**
     * Whether the file names an administrator.
     *
     * @return true if {@link #admin} is a client id
     */
    public boolean hasAdmin() {
        return admin != NO_ADMIN;
    }
}
