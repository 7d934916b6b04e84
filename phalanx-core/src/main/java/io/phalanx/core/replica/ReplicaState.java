package io.phalanx.core.replica;

import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The protocol state shared by the handlers of one replica. Single-threaded: only the handlers
 * called from {@link ReplicaCore#step} touch it.
 */
final class ReplicaState {
    final ReplicaConfig config;
    final int id;
    final View view;
    final QuorumSystem quorums;
    final RequestVerifier verifier;
    final RandomGenerator random;
    final Counters counters = new Counters();

    /** Current leader regency; the epoch of new instances. */
    int regency;
    /** Highest consensus id decided here, -1 before the first decision. */
    long lastDecided = -1;
    /** Timestamp of the last decided batch; the next batch's may not be lower. */
    long lastBatchTimestampMs = Long.MIN_VALUE;
    /** Undecided instances within the window, by consensus id. */
    final TreeMap<Long, Instance> instances = new TreeMap<>();
    final PendingRequests pending;
    /** Per client: which ordered sequence numbers are decided. */
    final Map<Long, SequenceWindow> decidedByClient = new HashMap<>();
    /** Why the last refused proposal was refused, for traces and logs. */
    String lastRejection = "";
    /** Time of the step being processed. */
    long nowMs;

    ReplicaState(ReplicaConfig config, RequestVerifier verifier, RandomGenerator random) {
        this.config = config;
        this.id = config.replicaId();
        this.view = config.view();
        this.quorums = view.quorums();
        this.verifier = verifier;
        this.random = random;
        this.pending = new PendingRequests(config.pendingRequestsMax());
    }

    int leader() {
        return view.leaderOf(regency);
    }

    boolean isLeader() {
        return leader() == id;
    }

    SequenceWindow decidedWindow(long clientId) {
        return decidedByClient.computeIfAbsent(clientId, c -> new SequenceWindow(config.clientWindowMax()));
    }

    /** True if {@code clientId} may have {@code sequence} ordered now; creates no session. */
    boolean admits(long clientId, long sequence) {
        SequenceWindow window = decidedByClient.get(clientId);
        return window == null ? sequence >= 1 && sequence <= config.clientWindowMax() : window.admits(sequence);
    }

    /** The instance {@code consensusId}, created if it is within the window; null otherwise. */
    Instance instance(long consensusId) {
        if (consensusId <= lastDecided || consensusId > lastDecided + config.instanceWindowMax()) {
            return null;
        }
        return instances.computeIfAbsent(consensusId, c -> new Instance(c, regency));
    }

    /** Counts and explains why {@code message} was not processed; returns false for chaining. */
    boolean refuse(Counter counter, ReplicaMessage message) {
        counters.increment(counter);
        lastRejection = counter + " " + message.getClass().getSimpleName() + " cid=" + message.consensusId()
                + " from " + message.sender();
        return false;
    }

    void broadcast(Effects effects, ReplicaMessage message) {
        for (int member : view.members()) {
            if (member != id) {
                effects.send(member, message);
            }
        }
    }
}
