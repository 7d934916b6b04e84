package io.phalanx.core.replica;

import io.phalanx.core.codec.CodecException;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ChunkFetch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checkpoints, state transfer and recovery.
 *
 * <p>Checkpoints. The execution layer takes one after every {@link ReplicaConfig#checkpointAfter}
 * decision and hands it in ({@link Input.CheckpointTaken}); this replica keeps the latest
 * {@link #SERVED_MAX} with the proof of their last decision and serves their chunks.
 *
 * <p>State transfer. A replica that needs decisions its peers no longer keep gets a
 * {@link StateReport} instead (from the peer it asked, then from all, by {@link StateQuery}). It
 * takes the highest checkpoint beyond its last decision that f+1 replicas report with the same
 * digest (so at least one correct replica vouches for it, and for the digest of every chunk),
 * fetches the chunks from those replicas in parallel ({@link #FETCHES_IN_FLIGHT_MAX} at a time,
 * round robin), checks each against its digest on arrival, drops a sender of a bad chunk for the
 * rest of the transfer, installs the checkpoint, and catches up on the decisions after it from the
 * decision logs. A request unanswered for {@link #CHUNK_RETRY_TICKS} tick intervals goes to the
 * next source.
 *
 * <p>Recovery. A replica that starts without its memory ({@link ReplicaCore.Start#RECOVERING})
 * may have voted, or proposed as leader, before it lost it. It asks its peers where they stand
 * and, once peers that make a quorum with it reported, neither proposes, votes nor sends STOPDATA
 * until it has decided every instance any of them decided and installed the highest regency any
 * of them reached: it then knows the decided log and the running regency and takes part again.
 * In the instances still open then (up to the highest any of them voted in) it votes only in a
 * regency above every one they reported, and it proposes only in such a regency (it may have led
 * one of theirs). It counts toward f until it has recovered; docs/PROTOCOL.md, "Restarts and
 * recovery", says why these bounds hold and what they leave to the fault budget. Counting itself
 * in the quorum of reports keeps a restart possible while another replica is down. If none of
 * the reporters ever received a vote or proposal from it (a replica of a new cluster that started
 * late), it never cast one that counts, and it recovers at once.
 */
final class StateTransfer {
    /** Checkpoints kept to serve: the latest, and the one before for transfers still under way. */
    static final int SERVED_MAX = 2;
    /** Chunk requests outstanding at once in one transfer. */
    static final int FETCHES_IN_FLIGHT_MAX = 4;
    /** Tick intervals after which an unanswered chunk request goes to another source. */
    static final int CHUNK_RETRY_TICKS = 8;

    /** A checkpoint this replica serves: its image and the proof of its last decision. */
    private record Served(CheckpointImage image, List<Accept> proof) {
    }

    private final ReplicaState state;
    private final NormalCase normalCase;
    private final Proofs proofs;
    private final TreeMap<Long, Served> served = new TreeMap<>();
    /** The latest report from each peer; bounded by the view's size. */
    private final Map<Integer, StateReport> reports = new HashMap<>();
    private long nextQueryAtMs;
    /** While recovering: the instance to decide before voting, once a quorum reported; -2 before. */
    private long recoveryTarget = -2;
    /** While recovering: the regency to install before voting, once a quorum reported. */
    private int recoveryRegency;
    private Transfer transfer;

    StateTransfer(ReplicaState state, NormalCase normalCase, Proofs proofs) {
        this.state = state;
        this.normalCase = normalCase;
        this.proofs = proofs;
    }

    boolean transferring() {
        return transfer != null;
    }

    /** How many chunks the transfer under way has, and has received; null if none runs. */
    long[] transferProgress() {
        return transfer == null ? null : new long[] {transfer.checkpointId, transfer.received, transfer.chunks.length};
    }

    long recoveryTarget() {
        return recoveryTarget;
    }

    void onCheckpointTaken(CheckpointImage image) {
        Decision decision = state.decisionLog.get(image.consensusId());
        List<Accept> proof = decision != null ? decision.proof()
                : image.consensusId() == state.checkpointProofId ? state.checkpointProof : null;
        if (proof == null) {
            // Execution lagged beyond the decision log: without the proof the checkpoint cannot
            // be served (its installer could not prove its last decision). The next one will be.
            return;
        }
        state.counters.increment(Counter.CHECKPOINT_TAKEN);
        served.put(image.consensusId(), new Served(image, proof));
        while (served.size() > SERVED_MAX) {
            served.pollFirstEntry();
        }
    }

    void onTick(Effects effects) {
        if (state.recovering) {
            if (recoveryTarget != -2 && state.lastDecided >= recoveryTarget && state.regency < recoveryRegency
                    && state.nowMs >= nextQueryAtMs) {
                // Decided far enough, but not in the regency a peer reported. A report's regency
                // includes a leader change the peer only asked for, which may never be installed
                // (asks are withdrawn once what they waited for is decided): ask again and go by
                // fresh reports. The vote floor they set only ever rises.
                recoveryTarget = -2;
                reports.clear();
            }
            if (recoveryTarget == -2 && state.nowMs >= nextQueryAtMs) {
                query(effects);
            }
            checkRecovered();
        }
        if (transfer != null) {
            transfer.retryStale(effects);
        }
    }

    private void query(Effects effects) {
        nextQueryAtMs = state.nowMs + state.config.tickIntervalMs() * 2;
        state.counters.increment(Counter.STATE_QUERY_SENT);
        state.broadcast(effects, new StateQuery(state.id));
    }

    /**
     * True if a replica that needs the decisions from {@code fromConsensusId} on would skip at
     * least a checkpoint period of them by taking this replica's latest checkpoint: moving the
     * state once is quicker than replaying (and checking the proofs of) that many decisions, and
     * a replica replaying slower than the cluster decides would never catch up.
     */
    boolean checkpointSaves(long fromConsensusId) {
        Map.Entry<Long, Served> latest = served.lastEntry();
        return latest != null && latest.getKey() - fromConsensusId + 1 >= state.config.checkpointPeriod();
    }

    void onQuery(Effects effects, StateQuery query) {
        sendReport(effects, query.sender());
    }

    /** Tells {@code peer} where this replica stands and which checkpoint it can serve. */
    void sendReport(Effects effects, int peer) {
        state.counters.increment(Counter.STATE_REPORT_SENT);
        effects.send(peer, report(peer));
    }

    private StateReport report(int peer) {
        boolean heard = state.heardVotesFrom.contains(peer);
        long highestVoted = state.votes.isEmpty() ? state.lastDecided : Math.max(state.lastDecided, state.votes.lastKey());
        int regency = Math.max(state.regency, state.stopTarget);
        Map.Entry<Long, Served> latest = served.lastEntry();
        if (latest == null) {
            return new StateReport(state.id, state.lastDecided, regency, highestVoted, -1, 0, List.of(), List.of(), heard);
        }
        CheckpointImage image = latest.getValue().image();
        return new StateReport(state.id, state.lastDecided, regency, highestVoted, image.consensusId(),
                image.encoded().length(), image.chunkDigests(), latest.getValue().proof(), heard);
    }

    void onReport(Effects effects, StateReport report) {
        reports.put(report.sender(), report);
        state.noteAhead(report.sender(), report.lastDecided());
        if (state.recovering && recoveryTarget == -2) {
            setRecoveryTarget();
        }
        if (report.checkpointId() > state.lastDecided && (transfer == null || transfer.checkpointId < report.checkpointId())) {
            considerTransfer(effects);
        }
        checkRecovered();
    }

    /**
     * Once peers that make a quorum with this replica (which reports nothing) reported: the
     * highest instance any of them decided and the highest regency any installed are what it
     * must reach before it votes, and the highest instance any voted in bounds what it may
     * propose.
     */
    private void setRecoveryTarget() {
        Set<Integer> reporters = new HashSet<>(reports.keySet());
        reporters.add(state.id);
        if (!state.quorums.isQuorum(reporters)) {
            return;
        }
        long decided = -1;
        long voted = -1;
        int regency = 0;
        boolean votedBefore = false;
        for (StateReport report : reports.values()) {
            decided = Math.max(decided, report.lastDecided());
            voted = Math.max(voted, report.highestVoted());
            regency = Math.max(regency, report.regency());
            votedBefore |= report.heardYourVotes();
        }
        if (!votedBefore) {
            // None of them ever received a vote or proposal from this replica: it never cast one
            // that could count (a replica of a new cluster that started late, say).
            recoveryTarget = -1;
            recoveryRegency = 0;
            return;
        }
        recoveryTarget = decided;
        recoveryRegency = regency;
        if (voted > decided) {
            state.voteFloor = Math.max(state.voteFloor, voted);
            state.voteFloorRegency = Math.max(state.voteFloorRegency, regency);
        }
        if (voted >= 0) {
            state.proposeFloorRegency = regency; // it may have led one of them before
        }
        if (decided > state.lastDecided) {
            state.noteAhead(mostAdvanced(), decided);
        }
    }

    private int mostAdvanced() {
        int peer = -1;
        long best = Long.MIN_VALUE;
        for (StateReport report : reports.values()) {
            if (report.lastDecided() > best) {
                best = report.lastDecided();
                peer = report.sender();
            }
        }
        return peer;
    }

    /** Ends recovery once this replica decided what the quorum decided and is in its regency. */
    void checkRecovered() {
        if (state.recovering && recoveryTarget != -2 && state.lastDecided >= recoveryTarget
                && state.regency >= recoveryRegency) {
            state.recovering = false;
            state.counters.increment(Counter.RECOVERED);
        }
    }

    /**
     * Starts a transfer of the highest checkpoint beyond this replica's last decision that f+1
     * reports vouch for; with none yet, asks every peer for its report.
     */
    private void considerTransfer(Effects effects) {
        Map<Digest, Set<Integer>> vouchers = new HashMap<>();
        StateReport best = null;
        for (StateReport report : reports.values()) {
            if (report.checkpointId() <= state.lastDecided) {
                continue;
            }
            Digest digest = CheckpointImage.digestOf(report.checkpointId(), report.checkpointBytes(), report.chunkDigests());
            Set<Integer> senders = vouchers.computeIfAbsent(digest, d -> new HashSet<>());
            senders.add(report.sender());
            if (state.quorums.containsCorrect(senders) && (best == null || report.checkpointId() > best.checkpointId())
                    && validReport(report)) {
                best = report;
            }
        }
        if (best == null) {
            if (state.nowMs >= nextQueryAtMs) {
                query(effects);
            }
            return;
        }
        if (transfer != null && transfer.checkpointId >= best.checkpointId()) {
            return;
        }
        Digest digest = CheckpointImage.digestOf(best.checkpointId(), best.checkpointBytes(), best.chunkDigests());
        List<Integer> sources = new ArrayList<>(vouchers.get(digest));
        state.counters.increment(Counter.STATE_TRANSFER_STARTED);
        transfer = new Transfer(best, sources);
        transfer.fetchMore(effects);
    }

    /** The report's chunk list fits its size and the proof of its last decision holds. */
    private boolean validReport(StateReport report) {
        if (report.chunkDigests().size() != CheckpointImage.chunkCount(report.checkpointBytes(), state.config.stateChunkBytes())
                || report.checkpointProof().isEmpty()) {
            return false;
        }
        Accept first = report.checkpointProof().get(0);
        return proofs.checkDecisionProof(report.checkpointId(), first.epoch(), first.batchDigest(),
                report.checkpointProof()) == null;
    }

    void onChunkFetch(Effects effects, ChunkFetch fetch) {
        Served checkpoint = served.get(fetch.checkpointId());
        if (checkpoint == null || fetch.index() >= checkpoint.image().chunkCount()) {
            state.counters.increment(Counter.CHUNK_UNAVAILABLE);
            sendReport(effects, fetch.sender()); // tells it which checkpoint this replica has now
            return;
        }
        effects.send(fetch.sender(), new Chunk(state.id, fetch.checkpointId(), fetch.index(),
                checkpoint.image().chunk(fetch.index())));
    }

    /**
     * Takes a chunk of the transfer under way; returns the epoch that proved the last decision of
     * the checkpoint it completed and installed, or -1 if it installed none.
     */
    int onChunk(Effects effects, Chunk chunk) {
        if (transfer == null || chunk.checkpointId() != transfer.checkpointId) {
            return -1; // late, from a transfer that ended
        }
        long before = state.lastDecided;
        transfer.onChunk(effects, chunk);
        boolean installed = state.lastDecided != before && state.checkpointProofId == state.lastDecided;
        return installed ? state.checkpointProof.get(0).epoch() : -1;
    }

    /** Installs the completed transfer's checkpoint and moves on to the decisions after it. */
    private void install(Effects effects, Transfer done) {
        transfer = null;
        Bytes encoded = done.assemble();
        Checkpoint checkpoint;
        try {
            checkpoint = MessageCodec.decodeCheckpoint(encoded);
        } catch (CodecException e) {
            // f+1 replicas, one of them correct, vouched for these bytes: this build cannot read
            // what a correct replica wrote. Continuing would diverge.
            throw new IllegalStateException("replica " + state.id + " cannot decode checkpoint " + done.checkpointId
                    + " that f+1 replicas vouched for: " + e.getMessage(), e);
        }
        if (checkpoint.consensusId() != done.checkpointId) {
            throw new IllegalStateException("checkpoint vouched for as " + done.checkpointId + " holds consensus id "
                    + checkpoint.consensusId());
        }
        if (checkpoint.consensusId() <= state.lastDecided) {
            return; // decided past it meanwhile, from the decision logs
        }
        normalCase.install(effects, checkpoint, done.proof);
        state.counters.increment(Counter.CHECKPOINT_INSTALLED);
        CheckpointImage image = new CheckpointImage(checkpoint.consensusId(), encoded, state.config.stateChunkBytes(),
                done.chunkDigests);
        served.put(image.consensusId(), new Served(image, done.proof));
        while (served.size() > SERVED_MAX) {
            served.pollFirstEntry();
        }
        checkRecovered();
    }

    /** One checkpoint being fetched: which chunks are in, which are asked for and from whom. */
    private final class Transfer {
        final long checkpointId;
        final List<Digest> chunkDigests;
        final List<Accept> proof;
        final Bytes[] chunks;
        final List<Integer> sources;
        final Set<Integer> excluded = new HashSet<>();
        /** Chunk index to when it was asked for and from whom. */
        final Map<Integer, long[]> asked = new HashMap<>();
        int received;
        int nextIndex;
        int nextSource;

        Transfer(StateReport report, List<Integer> sources) {
            this.checkpointId = report.checkpointId();
            this.chunkDigests = report.chunkDigests();
            this.proof = report.checkpointProof();
            this.chunks = new Bytes[chunkDigests.size()];
            this.sources = sources;
            sources.sort(null);
        }

        /** Asks for chunks not yet asked for, up to the in-flight bound. */
        void fetchMore(Effects effects) {
            while (asked.size() < FETCHES_IN_FLIGHT_MAX && nextIndex < chunks.length) {
                if (chunks[nextIndex] == null && !asked.containsKey(nextIndex)) {
                    if (!ask(effects, nextIndex)) {
                        return;
                    }
                }
                nextIndex++;
            }
        }

        /** Asks the next usable source for chunk {@code index}; false if no source is left. */
        boolean ask(Effects effects, int index) {
            for (int tried = 0; tried < sources.size(); tried++) {
                int source = sources.get(Math.floorMod(nextSource++, sources.size()));
                if (!excluded.contains(source)) {
                    asked.put(index, new long[] {state.nowMs, source});
                    state.counters.increment(Counter.CHUNK_FETCH_SENT);
                    effects.send(source, new ChunkFetch(state.id, checkpointId, index));
                    return true;
                }
            }
            abandon(effects);
            return false;
        }

        void retryStale(Effects effects) {
            long staleBefore = state.nowMs - state.config.tickIntervalMs() * CHUNK_RETRY_TICKS;
            for (Map.Entry<Integer, long[]> entry : new ArrayList<>(asked.entrySet())) {
                if (entry.getValue()[0] <= staleBefore) {
                    asked.remove(entry.getKey());
                    if (!ask(effects, entry.getKey())) {
                        return;
                    }
                }
            }
        }

        void onChunk(Effects effects, Chunk chunk) {
            long[] request = asked.get(chunk.index());
            if (request == null || request[1] != chunk.sender()) {
                return; // unasked, or a late answer to a request that went elsewhere since
            }
            asked.remove(chunk.index());
            Digest expected = chunkDigests.get(chunk.index());
            if (!io.phalanx.core.crypto.Digests.sha256(chunk.data().toArray()).equals(expected)) {
                state.counters.increment(Counter.BAD_CHUNK);
                excluded.add(chunk.sender());
                if (ask(effects, chunk.index())) {
                    fetchMore(effects);
                }
                return;
            }
            state.counters.increment(Counter.CHUNK_RECEIVED);
            chunks[chunk.index()] = chunk.data();
            received++;
            if (received == chunks.length) {
                install(effects, this);
            } else {
                fetchMore(effects);
            }
        }

        /** Every source sent a bad chunk: forget them and ask everyone again. */
        private void abandon(Effects effects) {
            transfer = null;
            for (int source : excluded) {
                reports.remove(source);
            }
            query(effects);
        }

        Bytes assemble() {
            int total = 0;
            for (Bytes chunk : chunks) {
                total = Math.addExact(total, chunk.length());
            }
            byte[] all = new byte[total];
            int offset = 0;
            for (Bytes chunk : chunks) {
                chunk.copyTo(all, offset);
                offset += chunk.length();
            }
            return Bytes.copyOf(all);
        }
    }
}
