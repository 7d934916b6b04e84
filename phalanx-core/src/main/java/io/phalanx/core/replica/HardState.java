package io.phalanx.core.replica;

import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a replica said that it must never contradict, the BFT counterpart of etcd raft's
 * {@code HardState}. A replica that restarts without it could vote for a second value in an
 * epoch it already voted in, or lead a regency with a second SYNC: it would equivocate, which a
 * correct replica never does. So a driver that promises durability (durability {@code sync})
 * makes every change of it durable before any message of the same step leaves; a replica that
 * restarts with it votes again at once, one that restarts without it recovers first
 * ({@link ReplicaCore.Start#RECOVERING}).
 *
 * @param regency    the installed regency: the epoch of every vote it casts
 * @param stopTarget the regency it asked for in its latest STOP ({@code regency} if none): it
 *                   casts no more votes in the regencies below
 * @param sync       the installed regency's SYNC, once sent (as leader) or processed; null in
 *                   regency 0, which needs none, and before it arrives. It binds the values of the
 *                   regency's first instances, and its leader may not choose another
 * @param votes      what it WROTE and ACCEPTED in each undecided instance, by consensus id
 */
public record HardState(int regency, int stopTarget, Sync sync, SortedMap<Long, VoteHistory> votes) {
    /** A replica that has never voted. */
    public static final HardState INITIAL = new HardState(0, 0, null, new TreeMap<>());

    /**
     * Copies the votes and checks that regency, stop target and SYNC agree.
     *
     * @param regency    the installed regency, at least 0
     * @param stopTarget the regency asked for in the latest STOP, at least {@code regency}
     * @param sync       the installed regency's SYNC, or null
     * @param votes      the vote histories of undecided instances, by consensus id
     * @throws IllegalArgumentException if the regencies disagree
     */
    public HardState {
        Objects.requireNonNull(votes, "votes");
        if (regency < 0 || stopTarget < regency) {
            throw new IllegalArgumentException("regency " + regency + " and stop target " + stopTarget + " disagree");
        }
        if (sync != null && sync.regency() != regency) {
            throw new IllegalArgumentException("SYNC of regency " + sync.regency() + " in regency " + regency);
        }
        votes = Collections.unmodifiableSortedMap(new TreeMap<>(votes));
    }

    /**
     * The hard state after deciding every instance up to {@code consensusId}: those votes are settled.
     *
     * @param consensusId the last decided instance
     * @return this state without the votes of instances up to {@code consensusId}
     */
    public HardState afterDecided(long consensusId) {
        return new HardState(regency, stopTarget, sync, votes.tailMap(consensusId + 1));
    }
}
