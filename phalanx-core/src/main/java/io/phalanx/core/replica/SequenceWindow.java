package io.phalanx.core.replica;

import java.util.TreeSet;

/**
 * Which sequence numbers of one client are done (decided, or executed), with bounded memory.
 *
 * <p>A client may have several requests outstanding and they may be decided out of order, so a
 * single "last sequence" is not enough. Everything up to {@code low} is done; done numbers above
 * {@code low} are kept individually. A client may only use numbers in
 * {@code (low, low + windowMax]}, which bounds that set.
 */
final class SequenceWindow {
    private final int windowMax;
    private long low;
    private final TreeSet<Long> doneAboveLow = new TreeSet<>();

    SequenceWindow(int windowMax) {
        this.windowMax = windowMax;
    }

    boolean isDone(long sequence) {
        return sequence <= low || doneAboveLow.contains(sequence);
    }

    /** True if the client may use {@code sequence} now (not done, and within the window). */
    boolean admits(long sequence) {
        return !isDone(sequence) && sequence <= low + windowMax;
    }

    void markDone(long sequence) {
        if (sequence <= low) {
            return;
        }
        doneAboveLow.add(sequence);
        while (!doneAboveLow.isEmpty() && doneAboveLow.first() == low + 1) {
            doneAboveLow.pollFirst();
            low++;
        }
    }

    long low() {
        return low;
    }
}
