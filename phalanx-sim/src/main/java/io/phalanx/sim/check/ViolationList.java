package io.phalanx.sim.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects a checker's violations with a bound per kind. One real bug can break thousands of
 * operations in a long run; the first few reports of each kind are what a person debugs from,
 * and the rest are summarised as a count.
 */
final class ViolationList {
    private final String checker;
    private final int perKindMax;
    private final List<Violation> listed = new ArrayList<>();
    private final Map<String, Integer> countByKind = new LinkedHashMap<>();

    ViolationList(String checker, int perKindMax) {
        this.checker = checker;
        this.perKindMax = perKindMax;
    }

    /** Records a violation of {@code kind}; it is listed only if fewer than the bound were. */
    void add(String kind, String description) {
        int count = countByKind.merge(kind, 1, Integer::sum);
        if (count <= perKindMax) {
            listed.add(new Violation(checker, kind + ": " + description));
        }
    }

    /** The listed violations, then one summary per kind that overflowed its bound. */
    List<Violation> toList() {
        List<Violation> all = new ArrayList<>(listed);
        countByKind.forEach((kind, count) -> {
            if (count > perKindMax) {
                all.add(new Violation(checker, (count - perKindMax) + " more " + kind + " violations not listed ("
                        + count + " in total)"));
            }
        });
        return all;
    }
}
