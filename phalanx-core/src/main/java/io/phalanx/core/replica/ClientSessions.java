package io.phalanx.core.replica;

import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Refusal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * The client sessions of one layer, at most {@code clientsMax} of them: the ordering layer's
 * decided windows ({@link ReplicaState#decidedByClient}) or the execution layer's executed ones
 * ({@link ServiceExecutor}). Part of the replicated state: correct replicas fed the same decisions
 * hold the same sessions, and a checkpoint carries them, eviction order included.
 *
 * <p>Eviction. When a decided request would begin a session for a client that has none here
 * while {@code clientsMax} sessions are kept, the session whose last decided request is oldest
 * goes first: the lowest consensus id of that decision, ties broken by the lower client id. That
 * is a function of the decided sequence alone — not of arrival order, pending requests or local
 * time — so every correct replica evicts the same session at the same decision, and the ordering
 * and execution layers, fed the same decisions, evict the same sessions too.
 *
 * <p>What an evicted session leaves behind. Forgetting it outright would let a retransmission of
 * one of its executed requests run again, as if it were the first request of a new client. So it
 * leaves a tombstone: its client id and session number (three numbers, where a session holds a
 * window and up to {@code clientWindowMax} cached replies). For a client without a session here,
 * every sequence number of a session at or below its tombstone's counts as done: it is refused on
 * arrival (SESSION_UNKNOWN, on which the client fails the call and begins a new session, with a
 * higher number), never proposed by a correct leader, and skipped if a decision holds it anyway. A
 * newer session begins as any new client's does, and its window takes over from the tombstone.
 *
 * <p>Tombstones are bounded too, by {@code clientsMax}: beyond it the oldest (by the decision
 * that evicted it, ties by client id) is folded into a floor, the highest session folded per
 * bucket of client ids ({@code clientId mod clientsMax}), which then holds for every client of
 * that bucket without a session or tombstone. So a client that shares a bucket with a folded one
 * may be refused in sessions up to that floor, never having been evicted itself, and must begin a
 * higher session. It takes more than {@code clientsMax} evictions for a tombstone to be folded,
 * client ids within {@code clientsMax} of each other never share a bucket, and the runtime numbers
 * sessions by the time a client starts, so a client started after the eviction is above the floor.
 *
 * <p>Why no request runs twice: once done, a number stays done. While its session is kept, its
 * window says so; once evicted, its tombstone and then the floor do (each at least that
 * session, and floors never go down); and once the client begins a newer session here, that
 * session's window counts every older session as done ({@link SequenceWindow}).
 *
 * <p>Memory: at most {@code clientsMax} sessions, {@code clientsMax} tombstones and
 * {@code clientsMax} floors.
 */
final class ClientSessions {
    /** A kept session: the client's window and the decision that last marked one of its numbers done. */
    private static final class Session {
        final long clientId;
        final SequenceWindow window;
        long lastConsensusId;

        Session(long clientId, SequenceWindow window, long lastConsensusId) {
            this.clientId = clientId;
            this.window = window;
            this.lastConsensusId = lastConsensusId;
        }
    }

    private static final Comparator<Session> OLDEST_FIRST =
            Comparator.comparingLong((Session s) -> s.lastConsensusId).thenComparingLong(s -> s.clientId);

    /** What an evicted session leaves: its client's sessions up to {@code session} are over. */
    private record Tombstone(long clientId, long session, long evictedAt) {
    }

    private static final Comparator<Tombstone> FIRST_EVICTED_FIRST =
            Comparator.comparingLong(Tombstone::evictedAt).thenComparingLong(Tombstone::clientId);

    private final int windowMax;
    private final int clientsMax;
    private final LongConsumer onEvicted;
    private final Map<Long, Session> byClient = new HashMap<>();
    private final TreeSet<Session> byAge = new TreeSet<>(OLDEST_FIRST);
    private final Map<Long, Tombstone> tombstones = new HashMap<>();
    private final TreeSet<Tombstone> tombstonesByAge = new TreeSet<>(FIRST_EVICTED_FIRST);
    /** Per bucket, the highest session of a tombstone folded into it; a bucket without one has none. */
    private final TreeMap<Integer, Long> floors = new TreeMap<>();
    private long evictions;

    /**
     * @param onEvicted told the client id of each evicted session, as it goes (the execution
     *                  layer drops its cached replies; the ordering layer counts it)
     */
    ClientSessions(int windowMax, int clientsMax, LongConsumer onEvicted) {
        if (windowMax <= 0) {
            throw new IllegalArgumentException("clientWindowMax must be > 0, got " + windowMax);
        }
        if (clientsMax <= 0) {
            throw new IllegalArgumentException("clientsMax must be > 0, got " + clientsMax);
        }
        this.windowMax = windowMax;
        this.clientsMax = clientsMax;
        this.onEvicted = onEvicted;
    }

    /** True if {@code clientId} has a session here. */
    boolean knows(long clientId) {
        return byClient.containsKey(clientId);
    }

    int size() {
        return byClient.size();
    }

    /** Sessions evicted so far (by this object; a restored one starts again from 0). */
    long evictions() {
        return evictions;
    }

    /**
     * True if {@code sequence} of {@code clientId} is done: decided (executed), or of a session
     * that is over (superseded by a newer one, or evicted). Creates nothing.
     */
    boolean isDone(long clientId, long sequence) {
        Session session = byClient.get(clientId);
        return session != null ? session.window.isDone(sequence) : evicted(clientId, sequence);
    }

    /** True if {@code clientId} may have {@code sequence} ordered now. Creates nothing. */
    boolean admits(long clientId, long sequence) {
        Session session = byClient.get(clientId);
        if (session != null) {
            return session.window.admits(sequence);
        }
        return !evicted(clientId, sequence) && SequenceWindow.admitsFirst(sequence, windowMax);
    }

    /**
     * True if a proposal may hold {@code sequence} of {@code clientId}: as {@link #admits}, except
     * that a request of an evicted session passes (and is skipped when decided). A follower
     * checks a proposal once the instances before it have values, decided or not; whether one
     * of those decisions evicted the client already must not change its answer, or correct
     * followers would disagree on a proposal depending on timing.
     */
    boolean admitsInProposal(long clientId, long sequence) {
        return admits(clientId, sequence) || (!knows(clientId) && evicted(clientId, sequence));
    }

    /**
     * Why {@code sequence} of {@code clientId} is not to be ordered for its session's sake, or null:
     * a session ended by a newer one, a session unknown here past its first window, or an evicted one.
     */
    Refusal.Reason refusal(long clientId, long sequence) {
        Session session = byClient.get(clientId);
        if (session == null) {
            return admits(clientId, sequence) ? null : Refusal.Reason.SESSION_UNKNOWN;
        }
        if (session.window.isSuperseded(sequence)) {
            return Refusal.Reason.SESSION_SUPERSEDED;
        }
        return session.window.isUnknownSession(sequence) ? Refusal.Reason.SESSION_UNKNOWN : null;
    }

    /**
     * Marks {@code sequence} of {@code clientId}, decided in {@code consensusId}, done; nothing if it
     * is done already (it is then not run either). A client without a session gets one, evicting
     * the oldest if {@code clientsMax} are kept. Decisions must come in consensus order.
     *
     * @return true if it began a newer session of the client (its older sessions are over)
     */
    boolean markDone(long clientId, long sequence, long consensusId) {
        if (isDone(clientId, sequence)) {
            return false;
        }
        Session session = byClient.get(clientId);
        if (session == null) {
            if (byClient.size() >= clientsMax) {
                evictOldest(consensusId);
            }
            Tombstone tombstone = tombstones.remove(clientId);
            if (tombstone != null) {
                tombstonesByAge.remove(tombstone); // the new session's window counts older ones as done
            }
            session = new Session(clientId, new SequenceWindow(windowMax), consensusId);
            byClient.put(clientId, session);
            byAge.add(session);
        } else if (session.lastConsensusId != consensusId) {
            byAge.remove(session);
            session.lastConsensusId = consensusId;
            byAge.add(session);
        }
        return session.window.markDone(sequence);
    }

    private void evictOldest(long consensusId) {
        Session oldest = byAge.pollFirst();
        byClient.remove(oldest.clientId);
        if (tombstones.size() >= clientsMax) {
            Tombstone folded = tombstonesByAge.pollFirst();
            tombstones.remove(folded.clientId());
            floors.merge(bucket(folded.clientId()), folded.session(), Math::max);
        }
        // Every number the window marked done is of its latest session or an older one.
        Tombstone tombstone = new Tombstone(oldest.clientId, SequenceWindow.sessionOf(oldest.window.low()), consensusId);
        tombstones.put(tombstone.clientId(), tombstone);
        tombstonesByAge.add(tombstone);
        evictions++;
        onEvicted.accept(oldest.clientId);
    }

    /** True if {@code sequence} is of a session of {@code clientId} (which has none here) that was evicted. */
    private boolean evicted(long clientId, long sequence) {
        long session = SequenceWindow.sessionOf(sequence);
        Tombstone tombstone = tombstones.get(clientId);
        if (tombstone != null && session <= tombstone.session()) {
            return true;
        }
        Long floor = floors.get(bucket(clientId));
        return floor != null && session <= floor;
    }

    private int bucket(long clientId) {
        return (int) Math.floorMod(clientId, (long) clientsMax);
    }

    /** The sessions as a checkpoint holds them, ordered by client id, with each client's {@code replies}. */
    List<Checkpoint.ClientSession> toCheckpoint(Function<Long, List<Checkpoint.CachedReply>> replies) {
        List<Checkpoint.ClientSession> sessions = new ArrayList<>(byClient.size());
        new TreeMap<>(byClient).forEach((clientId, session) -> sessions.add(new Checkpoint.ClientSession(clientId,
                session.lastConsensusId, session.window.low(), session.window.doneAboveLow(), replies.apply(clientId))));
        return sessions;
    }

    /** The tombstones as a checkpoint holds them, ordered by client id. */
    List<Checkpoint.EvictedSession> tombstonesToCheckpoint() {
        List<Checkpoint.EvictedSession> out = new ArrayList<>(tombstones.size());
        new TreeMap<>(tombstones).values().forEach(t -> out.add(
                new Checkpoint.EvictedSession(t.clientId(), t.session(), t.evictedAt())));
        return out;
    }

    /** The floors as a checkpoint holds them, ordered by bucket. */
    List<Checkpoint.SessionFloor> floorsToCheckpoint() {
        List<Checkpoint.SessionFloor> out = new ArrayList<>(floors.size());
        floors.forEach((bucket, session) -> out.add(new Checkpoint.SessionFloor(bucket, session)));
        return out;
    }

    /**
     * Replaces every session and floor with {@code checkpoint}'s.
     *
     * @throws IllegalStateException if the checkpoint holds more sessions or tombstones, or other
     *                               buckets, than {@code clientsMax} allows: it was taken under another
     *                               {@code clientsMax}, and continuing would evict differently
     *                               from the replicas that took it
     */
    void restore(Checkpoint checkpoint) {
        if (checkpoint.sessions().size() > clientsMax || checkpoint.evictedSessions().size() > clientsMax) {
            throw new IllegalStateException("checkpoint of consensus id " + checkpoint.consensusId() + " holds "
                    + checkpoint.sessions().size() + " client sessions and " + checkpoint.evictedSessions().size()
                    + " evicted ones, over clientsMax " + clientsMax + ": every replica must use the same clientsMax");
        }
        byClient.clear();
        byAge.clear();
        tombstones.clear();
        tombstonesByAge.clear();
        floors.clear();
        for (Checkpoint.ClientSession kept : checkpoint.sessions()) {
            Session session = new Session(kept.clientId(),
                    SequenceWindow.restored(windowMax, kept.low(), kept.doneAboveLow()), kept.lastConsensusId());
            byClient.put(kept.clientId(), session);
            byAge.add(session);
        }
        for (Checkpoint.EvictedSession evicted : checkpoint.evictedSessions()) {
            Tombstone tombstone = new Tombstone(evicted.clientId(), evicted.session(), evicted.evictedAt());
            tombstones.put(tombstone.clientId(), tombstone);
            tombstonesByAge.add(tombstone);
        }
        for (Checkpoint.SessionFloor floor : checkpoint.sessionFloors()) {
            if (floor.bucket() >= clientsMax) {
                throw new IllegalStateException("checkpoint of consensus id " + checkpoint.consensusId()
                        + " has a session floor for bucket " + floor.bucket() + ", beyond clientsMax " + clientsMax
                        + ": every replica must use the same clientsMax");
            }
            floors.put(floor.bucket(), floor.session());
        }
    }
}
