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

    /**
     * One counter's value.
     *
     * @param counter the counter to read
     * @return its value, 0 if it never counted
     */
    public long get(Counter counter) {
        return values.getOrDefault(counter, 0L);
    }

    /**
     * The counters as they are now.
     *
     * @return a copy of the non-zero counters
     */
    public Map<Counter, Long> snapshot() {
        return new EnumMap<>(values);
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
