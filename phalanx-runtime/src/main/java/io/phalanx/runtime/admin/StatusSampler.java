package io.phalanx.runtime.admin;

import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.transport.TransportMetrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Looks at a replica's status every {@link #PERIOD_MS} ms (on a network thread) and keeps what a
 * single snapshot cannot tell: when the replica last decided, how many requests per second it
 * decided over the last {@link #RATE_WINDOW_MS} ms, and the recent events (leader changes,
 * checkpoints, state transfers, recovery, mesh connections lost and back, connections refused
 * before authentication), at most {@link #EVENTS_MAX} of them, and a history of the decision rate,
 * one point every {@link #HISTORY_PERIOD_MS} ms for the last {@link #HISTORY_MAX} of them, so a
 * status page opened late still draws the last minutes. Times are to within one period.
 */
final class StatusSampler {
    static final long PERIOD_MS = 250;
    static final long RATE_WINDOW_MS = 10_000;
    static final int EVENTS_MAX = 100;
    static final long HISTORY_PERIOD_MS = 1_000;
    /** Five minutes of history. */
    static final int HISTORY_MAX = 300;

    /**
     * Something that happened to the replica, as seen by the sampler.
     *
     * @param atMs wall-clock time it was noticed
     * @param kind {@code leader-change}, {@code checkpoint}, {@code state-transfer}, {@code recovery}
     *             or {@code connection}
     * @param text one line for a person
     */
    record Event(long atMs, String kind, String text) {
    }

    /**
     * The decision rate over one {@link #HISTORY_PERIOD_MS} period.
     *
     * @param atMs              wall-clock time at the end of the period
     * @param requestsPerSecond requests decided per second during the period
     * @param lastDecided       the highest consensus id decided at its end
     */
    record HistoryPoint(long atMs, double requestsPerSecond, long lastDecided) {
    }

    private record RatePoint(long atNanos, long requests) {
    }

    private final Supplier<ReplicaStatus> status;
    private final LongSupplier decidedRequests;
    private final Set<Integer> peers;
    /** Sampler thread only. */
    private final ArrayDeque<RatePoint> window = new ArrayDeque<>();
    private ReplicaStatus previous;
    /** Guarded by itself. */
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    /** Guarded by itself. */
    private final ArrayDeque<HistoryPoint> history = new ArrayDeque<>();
    /** Sampler thread only: where the current history period started. */
    private RatePoint historyStart;
    private volatile long lastDecisionNanos = System.nanoTime();
    private volatile double requestsPerSecond;

    StatusSampler(Supplier<ReplicaStatus> status, LongSupplier decidedRequests, Set<Integer> peers) {
        this.status = status;
        this.decidedRequests = decidedRequests;
        this.peers = Set.copyOf(peers);
    }

    /** Seconds since the decided consensus id last moved (since the start before the first decision). */
    double secondsSinceLastDecision() {
        return (System.nanoTime() - lastDecisionNanos) / 1e9;
    }

    /** Requests decided per second over the last {@link #RATE_WINDOW_MS} ms (less right after start). */
    double requestsPerSecond() {
        return requestsPerSecond;
    }

    List<Event> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** The decision rate, one point a second, oldest first. */
    List<HistoryPoint> history() {
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    void sample() {
        long now = System.nanoTime();
        ReplicaStatus current = status.get();
        long requests = decidedRequests.getAsLong();
        rate(now, requests);
        history(now, requests, current.lastDecided());
        if (previous != null) {
            if (current.lastDecided() != previous.lastDecided()) {
                lastDecisionNanos = now;
            }
            compare(previous, current);
        }
        previous = current;
    }

    private void rate(long now, long requests) {
        window.addLast(new RatePoint(now, requests));
        while (window.size() > 2 && now - window.peekFirst().atNanos() > RATE_WINDOW_MS * 1_000_000) {
            window.removeFirst();
        }
        RatePoint first = window.peekFirst();
        long spanNanos = now - first.atNanos();
        requestsPerSecond = spanNanos <= 0 ? 0 : (requests - first.requests()) * 1e9 / spanNanos;
    }

    private void history(long now, long requests, long lastDecided) {
        if (historyStart == null) {
            historyStart = new RatePoint(now, requests);
            return;
        }
        long spanNanos = now - historyStart.atNanos();
        if (spanNanos < HISTORY_PERIOD_MS * 1_000_000 - PERIOD_MS * 500_000) {
            return; // within half a sampling period of the full second: the fixed-rate sampler jitters
        }
        HistoryPoint point = new HistoryPoint(System.currentTimeMillis(),
                (requests - historyStart.requests()) * 1e9 / spanNanos, lastDecided);
        historyStart = new RatePoint(now, requests);
        synchronized (history) {
            if (history.size() == HISTORY_MAX) {
                history.removeFirst();
            }
            history.addLast(point);
        }
    }

    private void compare(ReplicaStatus before, ReplicaStatus now) {
        if (!now.active() && before.active() && now.regency() == before.regency()) {
            event("leader-change", "leader change started: leaving regency " + now.regency() + " (leader r"
                    + now.leader() + ")");
        }
        if (now.regency() != before.regency()) {
            event("leader-change", "regency " + now.regency() + " installed, leader r" + now.leader()
                    + " (was regency " + before.regency() + ", leader r" + before.leader() + ")");
        }
        if (now.recovering() != before.recovering()) {
            event("recovery", now.recovering() ? "recovering: not voting until caught up"
                    : "recovered at consensus id " + now.lastDecided() + ": voting again");
        }
        if (now.transfer() != null && (before.transfer() == null
                || before.transfer().checkpointId() != now.transfer().checkpointId())) {
            event("state-transfer", "state transfer of checkpoint " + now.transfer().checkpointId() + " started ("
                    + now.transfer().chunks() + " chunks)");
        } else if (now.transfer() == null && before.transfer() != null) {
            event("state-transfer", "state transfer of checkpoint " + before.transfer().checkpointId()
                    + " ended; decided " + now.lastDecided());
        }
        long checkpointBefore = before.log() == null ? -1 : before.log().lastCheckpoint();
        long checkpointNow = now.log() == null ? -1 : now.log().lastCheckpoint();
        if (checkpointNow != checkpointBefore) {
            event("checkpoint", "checkpoint " + checkpointNow + " stored");
        }
        refused("mesh", before.mesh(), now.mesh());
        refused("client port", before.clientPort(), now.clientPort());
        if (!Objects.equals(now.connectedPeers(), before.connectedPeers())) {
            Set<Integer> lost = new TreeSet<>(before.connectedPeers());
            lost.removeAll(now.connectedPeers());
            Set<Integer> back = new TreeSet<>(now.connectedPeers());
            back.removeAll(before.connectedPeers());
            lost.forEach(peer -> event("connection", "connection to r" + peer + " lost"));
            back.retainAll(peers);
            back.forEach(peer -> event("connection", "connected to r" + peer));
        }
    }

    /** Handshakes refused (bad certificate, unknown id, garbage) since the previous sample, as one event. */
    private void refused(String transport, TransportMetrics.Snapshot before, TransportMetrics.Snapshot now) {
        long refusedBefore = before == null ? 0 : before.rejectedHandshakes();
        long refusedNow = now == null ? 0 : now.rejectedHandshakes();
        if (refusedNow > refusedBefore) {
            event("connection", transport + ": " + (refusedNow - refusedBefore) + " connection(s) refused before"
                    + " authentication (" + refusedNow + " so far)");
        }
    }

    private void event(String kind, String text) {
        synchronized (events) {
            if (events.size() == EVENTS_MAX) {
                events.removeFirst();
            }
            events.addLast(new Event(System.currentTimeMillis(), kind, text));
        }
    }
}
