package io.phalanx.core.view;

/** The fault model a view tolerates. */
public enum Mode {
    /** Up to f arbitrary (Byzantine) replicas; needs n >= 3f+1 and the WRITE round. */
    BFT,
    /** Up to f crashed replicas; needs n >= 2f+1 and skips the WRITE round. */
    CFT
}
