package io.phalanx.runtime;

import org.slf4j.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts occurrences of one kind of refused input and logs a WARN line only on the 1st, 2nd,
 * 4th, 8th, ... occurrence, so a hostile peer sending garbage in a loop is visible in the log
 * without being able to flood it. The exact number is always in the counter.
 */
public final class RateLimitedWarning {
    private final Logger log;
    private final AtomicLong count = new AtomicLong();

    /**
     * A counter that warns through {@code log}.
     *
     * @param log the logger its WARN lines go to
     */
    public RateLimitedWarning(Logger log) {
        this.log = log;
    }

    /**
     * Counts one occurrence; logs {@code format} (SLF4J style) with the running count appended.
     *
     * @param format    the SLF4J message pattern
     * @param arguments the pattern's arguments
     */
    public void record(String format, Object... arguments) {
        long n = count.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            Object[] withCount = java.util.Arrays.copyOf(arguments, arguments.length + 1);
            withCount[arguments.length] = n;
            log.warn(format + " (occurrence {}; further ones are counted, logged at powers of two)", withCount);
        }
    }

    /**
     * The exact number of occurrences, logged or not.
     *
     * @return how many were recorded
     */
    public long count() {
        return count.get();
    }
}
