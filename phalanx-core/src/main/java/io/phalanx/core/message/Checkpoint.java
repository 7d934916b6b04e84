package io.phalanx.core.message;

import io.phalanx.core.view.ViewHistory;

import java.util.List;
import java.util.Objects;

/**
 * A checkpoint's header: besides the service's state, which streams after it in a checkpoint
 * image ({@code CheckpointImage}), everything execution needs to continue after consensus
 * instance {@code consensusId} as if it had executed every decision up to it: the client sessions
 * (which sequence numbers are done, and the last replies, so that a retransmitted request is
 * answered from the cache and never executed again). Deterministic: correct replicas that
 * executed the same decisions produce equal checkpoints and so equal encodings, which is what
 * lets a replica trust a checkpoint that f+1 replicas vouch for.
 *
 * <p>It holds nothing that may differ between correct replicas that decided the same values: not
 * the epoch that decided an instance (one replica decides it by vote, another learns it from a
 * later epoch's proof), nor the regency in the cached replies, which is where the leader hint of
 * a reply comes from.
 *
 * @param consensusId       the last decision the checkpoint includes
 * @param agreedTimestampMs the agreed time after it: the highest batch timestamp so far
 * @param sessions          the clients' sessions, ordered by client id
 * @param evictedSessions   what sessions evicted to stay within {@code clientsMax} left behind,
 *                          ordered by client id (see {@code ClientSessions})
 * @param sessionFloors     what evicted sessions left behind once there were too many of those,
 *                          ordered by bucket
 * @param views             the views from the one that governed {@code consensusId} on: the one in
 *                          force after it and any an administrator's change made to govern later
 */
public record Checkpoint(long consensusId, long agreedTimestampMs, List<ClientSession> sessions,
                         List<EvictedSession> evictedSessions, List<SessionFloor> sessionFloors, ViewHistory views) {
    /**
     * Copies the lists and checks their order, so that equal checkpoints encode equally.
     *
     * @param consensusId       the last decision the checkpoint includes, at least 0
     * @param agreedTimestampMs the highest batch timestamp so far
     * @param sessions          the clients' sessions, ordered by client id without repeats
     * @param evictedSessions   the evicted sessions, ordered by client id without repeats
     * @param sessionFloors     the session floors, ordered by non-negative bucket without repeats
     * @param views             the views from the one that governed {@code consensusId} on
     * @throws IllegalArgumentException if the id is negative or a list is out of order
     */
    public Checkpoint {
        sessions = List.copyOf(sessions);
        evictedSessions = List.copyOf(evictedSessions);
        sessionFloors = List.copyOf(sessionFloors);
        Objects.requireNonNull(views, "views");
        if (consensusId < 0) {
            throw new IllegalArgumentException("a checkpoint follows a decision, got consensus id " + consensusId);
        }
        for (int i = 1; i < sessions.size(); i++) {
            if (sessions.get(i - 1).clientId() >= sessions.get(i).clientId()) {
                throw new IllegalArgumentException("sessions must be ordered by client id, without repeats");
            }
        }
        for (int i = 1; i < evictedSessions.size(); i++) {
            if (evictedSessions.get(i - 1).clientId() >= evictedSessions.get(i).clientId()) {
                throw new IllegalArgumentException("evicted sessions must be ordered by client id, without repeats");
            }
        }
        for (int i = 0; i < sessionFloors.size(); i++) {
            if (sessionFloors.get(i).bucket() < 0 || (i > 0 && sessionFloors.get(i - 1).bucket() >= sessionFloors.get(i).bucket())) {
                throw new IllegalArgumentException("session floors must be ordered by bucket, without repeats or negatives");
            }
        }
    }

    /**
     * One client's exactly-once window: every sequence number up to {@code low} is done, and
     * {@code doneAboveLow} (ascending) too; {@code replies} are the cached results, ascending.
     * {@code lastConsensusId} is the decision that last marked one of its numbers done: the
     * session evicted first is the one where it is lowest.
     *
     * @param clientId        the client the session belongs to
     * @param lastConsensusId the decision that last marked one of its sequence numbers done
     * @param low             every sequence number up to this one is done
     * @param doneAboveLow    the done sequence numbers above {@code low}, ascending
     * @param replies         the cached replies, ascending by sequence number
     */
    public record ClientSession(long clientId, long lastConsensusId, long low, List<Long> doneAboveLow,
                                List<CachedReply> replies) {
        /**
         * Copies the lists.
         *
         * @param clientId        the client the session belongs to
         * @param lastConsensusId the decision that last marked one of its sequence numbers done
         * @param low             every sequence number up to this one is done
         * @param doneAboveLow    the done sequence numbers above {@code low}, ascending
         * @param replies         the cached replies, ascending by sequence number
         */
        public ClientSession {
            doneAboveLow = List.copyOf(doneAboveLow);
            replies = List.copyOf(replies);
        }
    }

    /**
     * A session evicted in decision {@code evictedAt}: for {@code clientId}, while it has no
     * session, every request of a session up to {@code session} counts as done.
     *
     * @param clientId  the client whose session was evicted
     * @param session   the evicted session's number (the high 32 bits of its sequence numbers)
     * @param evictedAt the decision that evicted it
     */
    public record EvictedSession(long clientId, long session, long evictedAt) {
    }

    /**
     * The highest session of the evicted sessions folded into {@code bucket} ({@code clientId mod
     * clientsMax}) when there were too many to keep each: for a client of that bucket without a
     * session or an evicted one, every request of a session up to this one counts as done.
     *
     * @param bucket  the client id modulo {@code clientsMax}
     * @param session the highest evicted session folded into the bucket
     */
    public record SessionFloor(int bucket, long session) {
    }

    /**
     * A cached reply without what differs from replica to replica (the replying replica's id, the regency).
     *
     * @param sequence the sequence number of the request it answers
     * @param result   the service's result
     */
    public record CachedReply(long sequence, Bytes result) {
        /**
         * Checks that the result is present.
         *
         * @param sequence the sequence number of the request it answers
         * @param result   the service's result
         */
        public CachedReply {
            Objects.requireNonNull(result, "result");
        }
    }
}
