package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ChunkFetch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Digest;
import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

import java.io.IOException;
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
 * decision logs. Chunks go to the {@link ImageStore} in order as they arrive (at most
 * {@link #CHUNKS_AHEAD_MAX} wait in memory for one before them), so a state larger than memory
 * passes through a chunk at a time; a transfer of the same checkpoint after a restart keeps the
 * chunks already on disk that still match their digests. A request unanswered for {@link #CHUNK_RETRY_TICKS} tick intervals goes to the
 * next source, and the silent one is not asked again in this transfer; with no source left, the
 * replica forgets their reports and asks every peer again. A transfer under way is not replaced
 * when peers report a newer checkpoint: they keep serving the one it fetches for another period
 * ({@link #SERVED_MAX}), and a replica that started over at every new checkpoint would never
 * finish one that takes longer than a period to move. Once its sources no longer serve it, their
 * requests go unanswered and the transfer ends as above, and the next one takes the newest.
 *
 * <p>Recovery. A replica that starts without its memory ({@link ReplicaCore.Start#RECOVERING})
 * may have voted, or proposed as leader, before it lost it, and some of those messages may still
 * be on their way. It asks its peers where they stand and waits for reports from a quorum (in BFT
 * counting itself, which keeps a restart possible while another replica is down; in CFT from
 * others only, since a crash-tolerant quorum need not hold a replica besides itself). It stays
 * recovering — no proposal, no vote, no STOPDATA — until it has decided everything any of them
 * decided, reached the highest regency any of them reported, and settled the votes it may have
 * lost: those lie within a window ({@code instanceWindowMax}) beyond what it had decided, which a
 * reporter had voted in or decided, in regencies up to the highest reported; they are settled
 * once those instances are decided (by the others, without it) or the cluster has moved to a
 * later regency (by a leader change that completed without its report). Until then it counts
 * toward f. docs/PROTOCOL.md, "Restarts and recovery", says why these bounds hold. A replica with
 * no data of its own ({@link ReplicaCore.Start#FIRST_START}) lost nothing if its peers never voted
 * nor changed leaders (the cluster's first start), and takes part as soon as it has caught up;
 * otherwise it may be a replica whose disk was lost, and recovers as above.
 */
final class StateTransfer {
    /** Checkpoints kept to serve: the latest, and the one before for transfers still under way. */
    static final int SERVED_MAX = 2;
    /** Chunk requests outstanding at once in one transfer. */
    static final int FETCHES_IN_FLIGHT_MAX = 4;
    /** Tick intervals after which an unanswered chunk request goes to another source. */
    static final int CHUNK_RETRY_TICKS = 8;
    /** How far past the first chunk not yet written a transfer asks: what waits in memory for it. */
    static final int CHUNKS_AHEAD_MAX = 2 * FETCHES_IN_FLIGHT_MAX;

    /** A checkpoint this replica serves: its image and the proof of its last decision. */
    private record Served(CheckpointImage image, List<Accept> proof) {
    }

    private final ReplicaState state;
    private final Decisions decisions;
    private final Proofs proofs;
    private final TreeMap<Long, Served> served = new TreeMap<>();
    /** The latest report from each peer; bounded by the view's size. */
    private final Map<Integer, StateReport> reports = new HashMap<>();
    /** How many times a restored replica asks its peers where they stand, two ticks apart, before giving up. */
    static final int RESTART_PROBES_MAX = 5;
    private long nextQueryAtMs;
    /** When a request for an unknown, newer view may next make this replica ask its peers where they stand. */
    private long nextNewerViewQueryAtMs = Long.MIN_VALUE;
    /**
     * Queries a replica restored with every vote ({@link ReplicaCore.Start#RESTORED}) still sends
     * to learn what was decided while it was down, until a peer reports: in an idle cluster no
     * vote would show it that it is behind.
     */
    private int restartProbesLeft;
    /** While recovering: the instance to decide before voting, once a quorum reported; -2 before. */
    private long recoveryTarget = -2;
    /** While recovering: the regency to install before voting, once a quorum reported. */
    private int recoveryRegency;
    private Transfer transfer;
    /** Started with no data of its own ({@link ReplicaCore.Start#FIRST_START}): it may never have voted. */
    private final boolean firstStart;
    /** Where received checkpoints are written. */
    private final ImageStore images;

    StateTransfer(ReplicaState state, Decisions decisions, Proofs proofs, boolean firstStart, ImageStore images) {
        this.images = images;
        this.state = state;
        this.decisions = decisions;
        this.proofs = proofs;
        this.firstStart = firstStart;
    }

    boolean transferring() {
        return transfer != null;
    }

    /**
     * Ends the transfer under way if this replica decided past its checkpoint meanwhile (from the
     * decision logs): its image is no longer needed, and the execution layer will write its own
     * checkpoint of that id to the same place. Called after every step.
     */
    void dropIfDecidedPast() {
        if (transfer != null && transfer.checkpointId <= state.lastDecided) {
            Transfer done = transfer;
            transfer = null;
            try {
                done.target.close();
            } catch (IOException e) {
                // the image is not used
            }
        }
    }

    /**
     * The transfer under way: {checkpoint id, chunks received, chunks in all, bytes received,
     * bytes in all}; null if none runs.
     */
    long[] transferProgress() {
        if (transfer == null) {
            return null;
        }
        long bytesIn = Math.min(transfer.length, (long) transfer.written * state.config.stateChunkBytes());
        for (Bytes chunk : transfer.ahead.values()) {
            bytesIn += chunk.length();
        }
        return new long[] {transfer.checkpointId, transfer.received(), transfer.chunkDigests.size(), bytesIn,
                transfer.length};
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
        serve(image, proof);
    }

    /** Keeps {@code image} to serve, with the proof of its last decision, and drops all but the latest {@link #SERVED_MAX}. */
    private void serve(CheckpointImage image, List<Accept> proof) {
        served.put(image.consensusId(), new Served(image, proof));
        while (served.size() > SERVED_MAX) {
            served.pollFirstEntry();
        }
    }

    /**
     * Makes a replica restored with every vote ask its peers where they stand, as a recovering one
     * does, without waiting for their answers before it votes: any report of a later decision
     * makes it fetch the decisions it missed ({@link ReplicaState#noteAhead}).
     */
    void probeAfterRestart() {
        restartProbesLeft = RESTART_PROBES_MAX;
    }

    /**
     * A client addressed a view newer than any this replica knows: the replica is behind, but in a
     * cluster that does not decide meanwhile (it may need this replica's votes to) no message of its
     * peers tells it so. It asks them where they stand, at most once every two tick intervals (a
     * client may lie about views), and a report of a later decision makes it fetch what it missed
     * ({@link ReplicaState#noteAhead}).
     */
    void onNewerViewRequested(Effects effects) {
        if (state.nowMs >= nextNewerViewQueryAtMs) {
            nextNewerViewQueryAtMs = state.nowMs + state.config.tickIntervalMs() * 2;
            state.counters.increment(Counter.STATE_QUERY_SENT);
            state.broadcast(effects, new StateQuery(state.id));
        }
    }

    /** True while a restored replica still asks its peers where they stand. */
    boolean probing() {
        return restartProbesLeft > 0;
    }

    void onTick(Effects effects) {
        if (restartProbesLeft > 0 && !state.recovering) {
            if (!reports.isEmpty()) {
                restartProbesLeft = 0;
            } else if (state.nowMs >= nextQueryAtMs) {
                restartProbesLeft--;
                query(effects);
            }
        }
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
     * True if a replica that needs the decisions from {@code fromConsensusId} on had better take
     * this replica's latest checkpoint: it skips at least a checkpoint period of decisions, and
     * the checkpoint is no larger than they are (their batches and proofs), or some of them are
     * gone. Replaying a short stretch of small decisions is quicker than moving a large state,
     * during which the cluster decides on and the next checkpoint is as far ahead again; replaying
     * many large ones costs more than moving a small state, and a replica replaying slower than
     * the cluster decides would never catch up.
     */
    boolean checkpointSaves(long fromConsensusId) {
        Map.Entry<Long, Served> latest = served.lastEntry();
        if (latest == null || latest.getKey() - fromConsensusId + 1 < state.config.checkpointPeriod()) {
            return false;
        }
        long imageBytes = latest.getValue().image().length();
        long replayBytes = 0;
        for (long cid = Math.max(0, fromConsensusId); cid <= latest.getKey() && replayBytes < imageBytes; cid++) {
            Decision decision = state.decisionLog.get(cid);
            if (decision == null) {
                return true; // gone: the checkpoint is the way past them
            }
            replayBytes += decision.batch().sizeBytes() + (long) decision.proof().size() * ACCEPT_BYTES_ESTIMATE;
        }
        return replayBytes >= imageBytes;
    }

    /** Roughly what one signed ACCEPT of a decision's proof weighs on the wire. */
    private static final int ACCEPT_BYTES_ESTIMATE = 128;

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
        int stopTarget = Math.max(state.regency, state.stopTarget);
        Map.Entry<Long, Served> latest = served.lastEntry();
        if (latest == null) {
            return new StateReport(state.id, state.lastDecided, state.regency, stopTarget, highestVoted, -1, 0, List.of(), List.of(), heard,
                    state.recovering);
        }
        CheckpointImage image = latest.getValue().image();
        return new StateReport(state.id, state.lastDecided, state.regency, stopTarget, highestVoted, image.consensusId(),
                image.length(), image.chunkDigests(), latest.getValue().proof(), heard, state.recovering);
    }

    void onReport(Effects effects, StateReport report) {
        reports.put(report.sender(), report);
        restartProbesLeft = 0;
        state.noteAhead(report.sender(), report.lastDecided());
        if (state.recovering && recoveryTarget == -2) {
            setRecoveryTarget();
        }
        if (report.checkpointId() > state.lastDecided && transfer == null) {
            considerTransfer(effects);
        }
        checkRecovered();
    }

    /**
     * Once enough peers reported (see the class comment): what it must decide and the regency it
     * must reach before it takes part, and the instances and regencies of the votes it may have
     * lost.
     */
    private void setRecoveryTarget() {
        Set<Integer> reporters = new HashSet<>(reports.keySet());
        if (state.view().mode() == Mode.BFT) {
            reporters.add(state.id);
        }
        if (!state.quorums().isQuorum(reporters)) {
            return;
        }
        long voted = -1;
        int regency = 0;
        boolean heard = false;
        for (StateReport report : reports.values()) {
            voted = Math.max(voted, Math.max(report.lastDecided(), report.highestVoted()));
            regency = Math.max(regency, Math.max(report.regency(), report.stopTarget()));
            heard |= report.heardYourVotes();
        }
        // A replica's own vote counts toward its own decisions even if none of its peers received
        // it, so "nobody heard it" proves nothing once the others have voted or changed leaders:
        // it may have decided with their votes before its disk was lost.
        boolean othersActive = voted >= 0 || regency > 0;
        // What it must reach before it takes part: what a correct reporter vouches for (in BFT the
        // highest that f+1 of them report, so a liar cannot make it wait for ever). Where its lost
        // votes may lie: the highest anyone reports, so no correct report is missed.
        long decided = vouchedAtLeast(reports.values().stream().mapToLong(StateReport::lastDecided).toArray());
        recoveryTarget = decided;
        recoveryRegency = (int) vouchedAtLeast(reports.values().stream().mapToLong(StateReport::regency).toArray());
        if (!firstStart || heard || othersActive) {
            // What it had decided, a reporter had voted in or decided; it voted at most a window
            // beyond its own last decision.
            state.voteFloor = Math.max(state.voteFloor, voted + state.config.instanceWindowMax());
            state.voteFloorRegency = Math.max(state.voteFloorRegency, regency);
            // And it may have replied to requests it decided there: until it has decided them
            // again, its state may be older than a reply it gave, so it answers no query (a
            // CFT read quorum may meet the write's quorum in this replica alone).
            state.readFloor = Math.max(state.readFloor, voted);
        } // else it has no data of its own and its peers never voted: nothing was decided, it lost nothing
        if (decided > state.lastDecided) {
            state.noteAhead(mostAdvanced(), decided);
        }
    }

    /** The highest value that reporters making a correct set report at least (the highest one in CFT). */
    private long vouchedAtLeast(long[] values) {
        java.util.Arrays.sort(values);
        int reportersNeeded = state.view().mode() == Mode.CFT ? 1 : state.view().f() + 1;
        return values.length < reportersNeeded ? -1 : values[values.length - reportersNeeded];
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

    /**
     * True while the replica has caught up with what its peers reported but still waits for the
     * instances where its lost votes may lie to be decided (or for a later regency): with no
     * requests to order, that can take until the next ones come.
     */
    boolean awaitsLostVotes() {
        return state.recovering && caughtUp() && !state.lostVotesSettled();
    }

    /**
     * The regency a recovering replica that decided what its peers decided should join, if it
     * is below the one they installed (vouched for as the catch-up target is): in an idle
     * cluster no decision of that regency will come to show it running. 0 if none.
     */
    int regencyToJoin() {
        boolean decidedEnough = recoveryTarget != -2 && state.lastDecided >= recoveryTarget;
        return state.recovering && decidedEnough && state.regency < recoveryRegency ? recoveryRegency : 0;
    }

    /**
     * True once every other member reported and those that are not recovering are no quorum:
     * without this replica's report, no leader change could ever complete.
     */
    private boolean othersCannotDecideAlone() {
        Set<Integer> voting = new HashSet<>();
        for (int member : state.view().members()) {
            if (member == state.id) {
                continue;
            }
            StateReport report = reports.get(member);
            if (report == null) {
                return false;
            }
            if (!report.recovering()) {
                voting.add(member);
            }
        }
        return !state.quorums().isQuorum(voting);
    }

    private boolean caughtUp() {
        return recoveryTarget != -2 && state.lastDecided >= recoveryTarget && state.regency >= recoveryRegency;
    }

    /**
     * Ends recovery once this replica decided what the quorum decided, is in its regency, and
     * every vote it may have lost is settled.
     */
    void checkRecovered() {
        state.caughtUpWhileRecovering = state.recovering && caughtUp();
        state.othersCannotDecideAlone = state.recovering && state.view().mode() == Mode.CFT && othersCannotDecideAlone();
        if (state.recovering && caughtUp() && state.lostVotesSettled()) {
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
            if (vouched(senders) && (best == null || report.checkpointId() > best.checkpointId())
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
        if (transfer != null) {
            return; // see the class comment: a transfer under way is not replaced by a newer checkpoint
        }
        Digest digest = CheckpointImage.digestOf(best.checkpointId(), best.checkpointBytes(), best.chunkDigests());
        List<Integer> sources = new ArrayList<>(vouchers.get(digest));
        state.counters.increment(Counter.STATE_TRANSFER_STARTED);
        transfer = new Transfer(best, sources);
        transfer.fetchMore(effects);
    }

    /**
     * True if {@code senders} reporting the same checkpoint digest make it trustworthy: f+1 in
     * BFT, so one of them is correct; any one in CFT, where replicas crash but do not lie (and a
     * replica lagging behind a cluster with f crashed members hears from f others at most).
     */
    private boolean vouched(Set<Integer> senders) {
        if (state.view().mode() == Mode.CFT || state.plantedBugs.contains(PlantedBug.CHECKPOINT_DIGEST_NOT_COMPARED)) {
            return !senders.isEmpty();
        }
        return state.quorums().containsCorrect(senders);
    }

    /**
     * The report's chunk list fits its size and the proof of its last decision holds. A checkpoint
     * past the views this replica knows (an administrator changed the view since) has its proof
     * checked once its header, which f+1 replicas vouched for, says which view decided it
     * ({@link #proofReason}).
     */
    private boolean validReport(StateReport report) {
        if (report.chunkDigests().size() != CheckpointImage.chunkCount(report.checkpointBytes(), state.config.stateChunkBytes())
                || report.checkpointProof().isEmpty()) {
            return false;
        }
        View view = state.viewAt(report.checkpointId());
        return view == null || proofReason(view, report.checkpointId(), report.checkpointProof()) == null;
    }

    /** Why {@code proof} does not prove decision {@code consensusId} in {@code view}, or null if it does. */
    private String proofReason(View view, long consensusId, List<Accept> proof) {
        Accept first = proof.get(0);
        return proofs.checkDecisionProof(view, consensusId, first.epoch(), first.batchDigest(), proof);
    }

    void onChunkFetch(Effects effects, ChunkFetch fetch) {
        Served checkpoint = served.get(fetch.checkpointId());
        if (checkpoint == null || fetch.index() >= checkpoint.image().chunkCount()) {
            state.counters.increment(Counter.CHUNK_UNAVAILABLE);
            sendReport(effects, fetch.sender()); // tells it which checkpoint this replica has now
            return;
        }
        Bytes data;
        try {
            data = checkpoint.image().chunk(fetch.index());
        } catch (IOException | RuntimeException e) {
            // The image is on a disk that failed it (its file went, or cannot be read): another
            // source serves the chunk; the report tells the asker what this replica has.
            state.counters.increment(Counter.CHUNK_UNAVAILABLE);
            served.remove(fetch.checkpointId());
            sendReport(effects, fetch.sender());
            return;
        }
        effects.send(fetch.sender(), new Chunk(state.id, fetch.checkpointId(), fetch.index(), data));
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
        if (done.checkpointId <= state.lastDecided) {
            // Decided past it meanwhile, from the decision logs; a driver that stored a newer
            // checkpoint since may already have deleted this image.
            try {
                done.target.close();
            } catch (IOException e) {
                // the image is not used
            }
            return;
        }
        CheckpointImage image;
        Checkpoint checkpoint;
        try {
            done.target.sync();
            done.target.close();
            image = new CheckpointImage(done.checkpointId, done.length, state.config.stateChunkBytes(), done.chunkDigests,
                    done.target.data());
            if (!readsBackIntact(image)) {
                // Every chunk matched its digest on arrival: the disk lost or misplaced a write.
                // Installing it would restore a state no correct replica has.
                state.counters.increment(Counter.IMAGE_DAMAGED);
                query(effects);
                return;
            }
            checkpoint = image.header();
        } catch (CodecException e) {
            // f+1 replicas, one of them correct, vouched for these bytes: this build cannot read
            // what a correct replica wrote. Continuing would diverge.
            throw new IllegalStateException("replica " + state.id + " cannot decode checkpoint " + done.checkpointId
                    + " that f+1 replicas vouched for: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("replica " + state.id + " cannot write checkpoint " + done.checkpointId
                    + " to its disk: " + e.getMessage(), e);
        }
        if (checkpoint.consensusId() <= state.lastDecided) {
            return; // decided past it meanwhile, from the decision logs
        }
        String badProof = proofReason(checkpoint.views().at(checkpoint.consensusId()), checkpoint.consensusId(), done.proof);
        if (badProof != null) {
            // The chunks are vouched for, the proof came from the one report chosen: its sender lied.
            state.counters.increment(Counter.INVALID_CHECKPOINT_PROOF);
            state.lastRejection = "checkpoint " + checkpoint.consensusId() + ": " + badProof;
            reports.values().removeIf(r -> r.checkpointId() == checkpoint.consensusId() && r.checkpointProof().equals(done.proof));
            query(effects);
            return;
        }
        decisions.install(effects, checkpoint, image, done.proof);
        state.counters.increment(Counter.CHECKPOINT_INSTALLED);
        serve(image, done.proof);
        checkRecovered();
    }

    /** True if every chunk of {@code image} reads back from its store as it was verified on arrival. */
    private static boolean readsBackIntact(CheckpointImage image) throws IOException {
        for (int i = 0; i < image.chunkCount(); i++) {
            if (!image.chunkIntact(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * One checkpoint being fetched: which chunks are written, which wait in memory for an
     * earlier one, which are asked for and from whom.
     */
    private final class Transfer {
        final long checkpointId;
        final long length;
        final List<Digest> chunkDigests;
        final List<Accept> proof;
        final ImageStore.Target target;
        /** Chunks written to the target, all before the rest: the next to write is this one. */
        int written;
        /** Chunks received past {@code written}, waiting for the ones before them; at most {@link #CHUNKS_AHEAD_MAX}. */
        final TreeMap<Integer, Bytes> ahead = new TreeMap<>();
        final List<Integer> sources;
        final Set<Integer> excluded = new HashSet<>();
        /** Chunk index to when it was asked for and from whom. */
        final Map<Integer, long[]> asked = new HashMap<>();
        int nextIndex;
        int nextSource;

        Transfer(StateReport report, List<Integer> sources) {
            this.checkpointId = report.checkpointId();
            this.length = report.checkpointBytes();
            this.chunkDigests = report.chunkDigests();
            this.proof = report.checkpointProof();
            this.sources = sources;
            sources.sort(null);
            try {
                this.target = images.open(checkpointId);
                resume();
            } catch (IOException e) {
                throw new IllegalStateException("replica " + state.id + " cannot open checkpoint " + checkpointId
                        + " on its disk: " + e.getMessage(), e);
            }
            nextIndex = written;
        }

        int received() {
            return written + ahead.size();
        }

        /** Keeps the chunks an earlier transfer of this checkpoint wrote, up to the first that does not match. */
        private void resume() throws IOException {
            int chunkBytes = state.config.stateChunkBytes();
            long size = target.size();
            if (size > 0) {
                ImageData data = target.data();
                while (written < chunkDigests.size()) {
                    long offset = (long) written * chunkBytes;
                    int chunkLength = (int) Math.min(chunkBytes, length - offset);
                    if (offset + chunkLength > size || !io.phalanx.core.crypto.Digests.sha256(
                            data.read(offset, chunkLength).toArray()).equals(chunkDigests.get(written))) {
                        break;
                    }
                    written++;
                }
                state.counters.add(Counter.CHUNK_RESUMED, written);
            }
            // Cut what follows the intact chunks: a damaged chunk, or bytes past the image's end
            // (a file longer than the image, whatever wrote it).
            target.truncate(Math.min((long) written * chunkBytes, length));
        }

        /** Asks for chunks not yet asked for, up to the in-flight bound and no further ahead than {@link #CHUNKS_AHEAD_MAX}. */
        void fetchMore(Effects effects) {
            if (written == chunkDigests.size()) {
                install(effects, this); // all were on disk already
                return;
            }
            while (asked.size() < FETCHES_IN_FLIGHT_MAX && nextIndex < chunkDigests.size()
                    && nextIndex < written + CHUNKS_AHEAD_MAX) {
                if (!ahead.containsKey(nextIndex) && !asked.containsKey(nextIndex)) {
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
                    // Silent (crashed, or its report was old): not asked again in this transfer.
                    excluded.add((int) entry.getValue()[1]);
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
            if (chunk.index() < written || ahead.containsKey(chunk.index())) {
                return; // already in (a retry crossed the late answer)
            }
            ahead.put(chunk.index(), chunk.data());
            try {
                while (!ahead.isEmpty() && ahead.firstKey() == written) {
                    Bytes data = ahead.pollFirstEntry().getValue();
                    target.write(data.toArray(), 0, data.length());
                    written++;
                }
            } catch (IOException e) {
                throw new IllegalStateException("replica " + state.id + " cannot write checkpoint " + checkpointId
                        + " to its disk: " + e.getMessage(), e);
            }
            if (written == chunkDigests.size()) {
                install(effects, this);
            } else {
                fetchMore(effects);
            }
        }

        /** Every source sent a bad chunk or fell silent: forget their reports and ask everyone again. */
        private void abandon(Effects effects) {
            transfer = null;
            for (int source : excluded) {
                reports.remove(source);
            }
            query(effects);
        }
    }
}
