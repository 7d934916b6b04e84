package io.phalanx.core.replica;

import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * Ordered requests received but not yet decided, oldest first (so the leader proposes them in
 * arrival order and nobody starves), each with its request timer: when it arrived (or when the
 * timer was last restarted) and whether its first expiry already forwarded it. Bounded by
 * {@code pendingRequestsMax}.
 */
final class PendingRequests {
    /** A pending request and its timer. */
    static final class Entry {
        final Request request;
        long sinceMs;
        boolean forwarded;

        Entry(Request request, long sinceMs) {
            this.request = request;
            this.sinceMs = sinceMs;
        }
    }

    private final int capacity;
    private final LinkedHashMap<RequestId, Entry> entries = new LinkedHashMap<>();

    PendingRequests(int capacity) {
        this.capacity = capacity;
    }

    boolean contains(RequestId id) {
        return entries.containsKey(id);
    }

    boolean isFull() {
        return entries.size() >= capacity;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    void add(Request request, long nowMs) {
        entries.put(request.id(), new Entry(request, nowMs));
    }

    void remove(RequestId id) {
        entries.remove(id);
    }

    /** Removes every pending request matching {@code dropped}. */
    void removeIf(java.util.function.Predicate<Request> dropped) {
        entries.values().removeIf(e -> dropped.test(e.request));
    }

    /** Entries oldest first; timers are updated through them. */
    Iterable<Entry> entries() {
        return entries.values();
    }

    /** Restarts every request timer, as a new leader deserves the full timeout. */
    void restartTimers(long nowMs) {
        for (Entry e : entries.values()) {
            e.sinceMs = nowMs;
            e.forwarded = false;
        }
    }

    /** The oldest requests, at most {@code countMax} of them. */
    List<Request> oldest(int countMax) {
        List<Request> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (out.size() >= countMax) {
                break;
            }
            out.add(e.request);
        }
        return out;
    }

    /** The oldest requests not in {@code excluded} (proposed already) that fit in one batch. */
    List<Request> nextBatch(int requestsMax, int bytesMax, Set<RequestId> excluded) {
        List<Request> batch = new ArrayList<>();
        int bytes = 0;
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext() && batch.size() < requestsMax) {
            Request r = it.next().request;
            if (excluded.contains(r.id())) {
                continue;
            }
            if (bytes + r.sizeBytes() > bytesMax) {
                break;
            }
            batch.add(r);
            bytes += r.sizeBytes();
        }
        return batch;
    }
}
