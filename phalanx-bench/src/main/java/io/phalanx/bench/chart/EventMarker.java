package io.phalanx.bench.chart;

import java.util.Objects;

/**
 * A labelled vertical line at {@code x} on a line chart: where something happened during a run
 * ("leader killed", "replica 2 restarted"), so the throughput dip and recovery can be read
 * against it.
 *
 * @param x     where on the x axis it happened
 * @param label what happened
 */
public record EventMarker(double x, String label) {
    /**
     * Checks that the label is present.
     *
     * @param x     where on the x axis it happened
     * @param label what happened
     */
    public EventMarker {
        Objects.requireNonNull(label, "label");
    }
}
