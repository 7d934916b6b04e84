package io.phalanx.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The record of a run: a rolling hash of every event (two runs of one seed must give the same
 * hash) and the text of the most recent events, formatted only when someone reads them. With
 * {@code keepAll} every event is kept, for {@code phalanx sim --seed S --trace}.
 */
public final class Trace {
    private record Event(long timeMs, Supplier<String> text) {
    }

    private final boolean keepAll;
    private final int tailMax;
    private final ArrayDeque<Event> tail = new ArrayDeque<>();
    private final List<Event> all = new ArrayList<>();
    private long hash = 0xcbf29ce484222325L;
    private long events;

    Trace(boolean keepAll, int tailMax) {
        this.keepAll = keepAll;
        this.tailMax = tailMax;
    }

    /**
     * Records an event. {@code fingerprint} must be a deterministic summary of the event's
     * content (it feeds the run's hash); {@code text} renders it for humans.
     */
    void record(long timeMs, long fingerprint, Supplier<String> text) {
        events++;
        hash = mix(mix(hash, timeMs), fingerprint);
        Event event = new Event(timeMs, text);
        if (keepAll) {
            all.add(event);
        }
        tail.addLast(event);
        if (tail.size() > tailMax) {
            tail.removeFirst();
        }
    }

    private static long mix(long h, long value) {
        h ^= value;
        h *= 0x100000001b3L;
        return h ^ (h >>> 29);
    }

    /**
     * The rolling hash of every event so far.
     *
     * @return the hash; two runs of one seed give the same
     */
    public long hash() {
        return hash;
    }

    /**
     * The number of events recorded.
     *
     * @return how many events there were so far
     */
    public long eventCount() {
        return events;
    }

    /**
     * The last events as text, oldest first.
     *
     * @return one line per event: its time and its text
     */
    public List<String> tail() {
        return render(tail);
    }

    /**
     * Every event as text (empty unless the trace was created to keep all).
     *
     * @return one line per event: its time and its text
     */
    public List<String> all() {
        return render(all);
    }

    private static List<String> render(Iterable<Event> events) {
        List<String> lines = new ArrayList<>();
        for (Event e : events) {
            lines.add(String.format("%8d ms  %s", e.timeMs, e.text.get()));
        }
        return lines;
    }
}
