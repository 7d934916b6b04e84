package io.phalanx.runtime;

/**
 * The replica's worker threads (log, execution): each works through its bounded queue in order
 * and ends when it takes the stop marker queued behind the work, so stopping one finishes what
 * was queued before it, within a bound.
 */
final class Workers {
    private Workers() {
    }

    /**
     * Waits (at most {@code waitMs}, twice) for {@code thread} to finish the work queued before its
     * stop; interrupts the thread if the stop found no room in its queue ({@code stopQueued} false)
     * or it takes longer.
     */
    static void awaitStop(boolean stopQueued, Thread thread, long waitMs) throws InterruptedException {
        if (!stopQueued) {
            thread.interrupt();
        }
        thread.join(waitMs);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(waitMs);
        }
    }
}
