package io.phalanx.sim.check;

/** A broken invariant: which checker found it and a description precise enough to debug from. */
public record Violation(String checker, String description) {
    @Override
    public String toString() {
        return checker + ": " + description;
    }
}
