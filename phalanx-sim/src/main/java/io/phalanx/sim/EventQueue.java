package io.phalanx.sim;

import java.util.PriorityQueue;

/**
 * The simulator's agenda: events ordered by (time, insertion number). The insertion number
 * breaks ties deterministically, so a seed always replays the same interleaving.
 */
final class EventQueue {
    /** Something that happens at a simulated time. */
    interface Action {
        void run();
    }

    private record Entry(long timeMs, long order, Action action) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry other) {
            int byTime = Long.compare(timeMs, other.timeMs);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private long nextOrder;
    private long nowMs;

    long now() {
        return nowMs;
    }

    void at(long timeMs, Action action) {
        queue.add(new Entry(Math.max(timeMs, nowMs), nextOrder++, action));
    }

    /** Runs the next event; false if none is left or the next one is after {@code limitMs}. */
    boolean runNext(long limitMs) {
        Entry next = queue.peek();
        if (next == null || next.timeMs > limitMs) {
            return false;
        }
        queue.poll();
        nowMs = next.timeMs;
        next.action.run();
        return true;
    }
}
