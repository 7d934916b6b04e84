package io.phalanx.core.replica;

import io.phalanx.core.message.Request;
import io.phalanx.core.message.RequestId;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Ordered requests received but not yet decided, oldest first (so the leader proposes them in
 * arrival order and nobody starves). Bounded by {@code pendingRequestsMax}.
 */
final class PendingRequests {
    private final int capacity;
    private final LinkedHashMap<RequestId, Request> requests = new LinkedHashMap<>();

    PendingRequests(int capacity) {
        this.capacity = capacity;
    }

    boolean contains(RequestId id) {
        return requests.containsKey(id);
    }

    boolean isFull() {
        return requests.size() >= capacity;
    }

    boolean isEmpty() {
        return requests.isEmpty();
    }

    int size() {
        return requests.size();
    }

    void add(Request request) {
        requests.put(request.id(), request);
    }

    void remove(RequestId id) {
        requests.remove(id);
    }

    /** The oldest requests that fit in one batch. */
    List<Request> nextBatch(int requestsMax, int bytesMax) {
        List<Request> batch = new ArrayList<>();
        int bytes = 0;
        Iterator<Request> it = requests.values().iterator();
        while (it.hasNext() && batch.size() < requestsMax) {
            Request r = it.next();
            if (bytes + r.sizeBytes() > bytesMax) {
                break;
            }
            batch.add(r);
            bytes += r.sizeBytes();
        }
        return batch;
    }
}
