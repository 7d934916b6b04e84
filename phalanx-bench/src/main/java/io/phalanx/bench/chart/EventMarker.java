package io.phalanx.bench.chart;

import java.util.Objects;

/**
 * A labelled vertical line at {@code x} on a line chart: where something happened during a run
 * ("leader killed", "replica 2 restarted"), so the throughput dip and recovery can be read
 * against it.
 */
public record EventMarker(double x, String label) {
    public EventMarker {
        Objects.requireNonNull(label, "label");
    }
}
