package io.phalanx.runtime.config;

/**
 * The fault model a cluster file asks for. Kept in the runtime's config (rather than reusing
 * the core's type) so the file format does not move when the core's types do; the wiring code
 * maps one to the other.
 */
public enum Mode {
    /** Byzantine: tolerates f arbitrary replicas, needs n >= 3f+1. */
    BFT,
    /** Crash: tolerates f crashed replicas, needs n >= 2f+1. */
    CFT;

    /**
     * The smallest cluster that tolerates {@code f} faults in this mode.
     *
     * @param f faults to tolerate
     * @return 3f+1 for BFT, 2f+1 for CFT
     */
    public int replicasMin(int f) {
        return this == BFT ? 3 * f + 1 : 2 * f + 1;
    }
}
