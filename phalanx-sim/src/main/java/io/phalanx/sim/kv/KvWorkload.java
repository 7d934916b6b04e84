package io.phalanx.sim.kv;

import io.phalanx.kv.KvOperation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Random client operations for simulator runs.
 *
 * <p>The key space is small on purpose: concurrent clients then keep writing and reading the
 * same keys, which is where ordering bugs, lost writes and stale reads become visible in the
 * results. Values come from a small set of decimal strings, so INCR usually finds a number,
 * CAS expectations sometimes match, and the occasional non-numeric value ({@code "x"}) keeps
 * INCR's error path exercised.
 *
 * <p>Immutable; all randomness comes from the generator passed to {@link #next}, so a seed
 * reproduces the workload.
 */
public final class KvWorkload {
    /** Default number of distinct keys. */
    public static final int KEY_COUNT_DEFAULT = 8;
    /** Default number of distinct values. */
    public static final int VALUE_COUNT_DEFAULT = 16;
    /** Largest INCR delta in either direction. */
    public static final int DELTA_MAX = 5;

    /**
     * Relative weights of the operation kinds; each non-negative, at least one positive.
     *
     * @param putWeight    weight of PUT
     * @param getWeight    weight of GET
     * @param deleteWeight weight of DELETE
     * @param casWeight    weight of CAS
     * @param incrWeight   weight of INCR
     */
    public record Mix(int putWeight, int getWeight, int deleteWeight, int casWeight, int incrWeight) {
        /** Reads and writes in about equal measure. */
        public static final Mix DEFAULT = new Mix(30, 30, 10, 15, 15);

        /**
         * Checks that the weights are non-negative and sum to a positive int.
         *
         * @param putWeight    weight of PUT
         * @param getWeight    weight of GET
         * @param deleteWeight weight of DELETE
         * @param casWeight    weight of CAS
         * @param incrWeight   weight of INCR
         * @throws IllegalArgumentException if a weight is negative or the sum is 0 or overflows
         */
        public Mix {
            int[] weights = {putWeight, getWeight, deleteWeight, casWeight, incrWeight};
            long total = 0;
            for (int weight : weights) {
                if (weight < 0) {
                    throw new IllegalArgumentException("weights must be >= 0, got " + this);
                }
                total += weight;
            }
            if (total == 0 || total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("weights must sum to a positive int, got " + this);
            }
        }

        int total() {
            return putWeight + getWeight + deleteWeight + casWeight + incrWeight;
        }
    }

    private final List<String> keys;
    private final int valueCount;
    private final Mix mix;

    /** {@link #KEY_COUNT_DEFAULT} keys, {@link #VALUE_COUNT_DEFAULT} values, the default mix. */
    public KvWorkload() {
        this(KEY_COUNT_DEFAULT);
    }

    /**
     * {@code keyCount} keys, {@link #VALUE_COUNT_DEFAULT} values, the default mix.
     *
     * @param keyCount how many keys, at least 1
     */
    public KvWorkload(int keyCount) {
        this(keyCount, VALUE_COUNT_DEFAULT, Mix.DEFAULT);
    }

    /**
     * {@code keyCount} keys named k0, k1, ...; values drawn from {@code valueCount} numbers.
     *
     * @param keyCount   how many keys, at least 1
     * @param valueCount how many distinct values, at least 1
     * @param mix        the weights of the operation kinds
     * @throws IllegalArgumentException if a count is below 1
     */
    public KvWorkload(int keyCount, int valueCount, Mix mix) {
        if (keyCount < 1) {
            throw new IllegalArgumentException("keyCount must be >= 1, got " + keyCount);
        }
        if (valueCount < 1) {
            throw new IllegalArgumentException("valueCount must be >= 1, got " + valueCount);
        }
        this.keys = keyNames(keyCount);
        this.valueCount = valueCount;
        this.mix = Objects.requireNonNull(mix, "mix");
    }

    private static List<String> keyNames(int keyCount) {
        List<String> names = new ArrayList<>(keyCount);
        for (int i = 0; i < keyCount; i++) {
            names.add("k" + i);
        }
        return List.copyOf(names);
    }

    /**
     * The keys operations are drawn from.
     *
     * @return k0, k1, ... in order
     */
    public List<String> keys() {
        return keys;
    }

    /**
     * One random operation; draws only from {@code random}.
     *
     * @param random the source of randomness
     * @return an operation on a random key, of a kind drawn by the mix's weights
     */
    public KvOperation next(SplittableRandom random) {
        String key = keys.get(random.nextInt(keys.size()));
        int pick = random.nextInt(mix.total());
        int putBelow = mix.putWeight();
        int getBelow = putBelow + mix.getWeight();
        int deleteBelow = getBelow + mix.deleteWeight();
        int casBelow = deleteBelow + mix.casWeight();
        if (pick < putBelow) {
            return new KvOperation.Put(key, value(random));
        } else if (pick < getBelow) {
            return new KvOperation.Get(key);
        } else if (pick < deleteBelow) {
            return new KvOperation.Delete(key);
        } else if (pick < casBelow) {
            Optional<String> expected = random.nextInt(4) == 0 ? Optional.empty() : Optional.of(value(random));
            return new KvOperation.Cas(key, expected, value(random));
        }
        return new KvOperation.Incr(key, random.nextInt(-DELTA_MAX, DELTA_MAX + 1));
    }

    /** Mostly a small decimal number; one time in twenty a non-numeric value. */
    private String value(SplittableRandom random) {
        return random.nextInt(20) == 0 ? "x" : Integer.toString(random.nextInt(valueCount));
    }
}
