package io.phalanx.core.replica;

import java.util.EnumMap;
import java.util.Map;

/** A replica's counters. Plain and single-threaded like the rest of the core. */
public final class Counters {
    private final EnumMap<Counter, Long> values = new EnumMap<>(Counter.class);

    void increment(Counter counter) {
        values.merge(counter, 1L, Long::sum);
    }

    void add(Counter counter, long amount) {
        if (amount != 0) {
            values.merge(counter, amount, Long::sum);
        }
    }

    public long get(Counter counter) {
        return values.getOrDefault(counter, 0L);
    }

    /** A copy of the non-zero counters. */
    public Map<Counter, Long> snapshot() {
        return new EnumMap<>(values);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
