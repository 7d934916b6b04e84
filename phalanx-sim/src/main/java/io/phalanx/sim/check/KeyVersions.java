package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The history of one key along the reference log: the positions where its value changed and
 * the value after each change. A read's acceptable answers are the values the key held over a
 * range of log positions; with this index that is a binary search plus a walk over the changes
 * inside the range, instead of a replay per read.
 *
 * <p>Position {@code k} means "after executing log positions 0..k"; {@code -1} is the initial
 * state, where every key is absent.
 */
final class KeyVersions {
    private final List<Integer> positions = new ArrayList<>();
    private final List<Optional<String>> values = new ArrayList<>();

    /** Records the key's value after log position {@code position}; positions must increase. */
    void record(int position, Optional<String> value) {
        if (!positions.isEmpty() && positions.get(positions.size() - 1) >= position) {
            throw new IllegalArgumentException("versions must be recorded in increasing position order");
        }
        if (!valueAt(position).equals(value)) {
            positions.add(position);
            values.add(value);
        }
    }

    /** The value after positions 0..{@code position} ({@code -1}: the initial, absent value). */
    Optional<String> valueAt(int position) {
        int index = firstChangeAfter(position) - 1;
        return index < 0 ? Optional.empty() : values.get(index);
    }

    /** True if the key held {@code value} after some position in [{@code from}, {@code to}]. */
    boolean heldSomewhere(Optional<String> value, int from, int to) {
        if (from > to) {
            return false;
        }
        if (valueAt(from).equals(value)) {
            return true;
        }
        for (int i = firstChangeAfter(from); i < positions.size() && positions.get(i) <= to; i++) {
            if (values.get(i).equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** The distinct values held over [{@code from}, {@code to}], at most {@code countMax} of them. */
    Set<Optional<String>> valuesBetween(int from, int to, int countMax) {
        Set<Optional<String>> held = new LinkedHashSet<>();
        if (from > to) {
            return held;
        }
        held.add(valueAt(from));
        for (int i = firstChangeAfter(from); i < positions.size() && positions.get(i) <= to && held.size() < countMax; i++) {
            held.add(values.get(i));
        }
        return held;
    }

    /** Index of the first change at a position greater than {@code position}. */
    private int firstChangeAfter(int position) {
        int low = 0;
        int high = positions.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (positions.get(middle) <= position) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
