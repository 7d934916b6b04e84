package io.phalanx.runtime.config;

/**
 * The {@code cluster} section: which view the file describes and its fault model.
 *
 * @param viewId the view these replicas form (0 for a fresh cluster)
 * @param mode   BFT or CFT
 * @param f      faults tolerated
 */
public record ClusterSection(long viewId, Mode mode, int f) {
}
