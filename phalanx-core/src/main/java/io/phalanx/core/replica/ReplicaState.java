package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.KeyRing;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Batch;
import io.phalanx.core.message.ConsensusMessage;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.RequestId;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The protocol state shared by the handlers of one replica: what more than one of them reads or
 * writes. State that one handler alone uses lives in that handler (the leader change's STOP and
 * STOPDATA bookkeeping and timers in {@link LeaderChange}, the fetch timer in {@link Catchup},
 * the transfer in {@link StateTransfer}). Single-threaded: only the handlers called from
 * {@link ReplicaCore#step} touch it.
 *
 * <p>Leader-change state in one picture: {@code regency} is the installed regency (the epoch of
 * every vote this replica casts); {@code stopTarget > regency} means it asked to leave it and
 * casts no more votes in it; {@code synced} says whether the installed regency's SYNC was
 * processed (regency 0 needs none). The replica proposes and votes only when {@link #active()}.
 */
final class ReplicaState {
    final ReplicaConfig config;
    final int id;
    /**
     * Which view governs which instances, from the initial view on; grows when an administrator's
     * change is decided ({@link Decisions}) and is replaced by a checkpoint's when one is installed.
     */
    ViewHistory views;
    /** The quorum system the replica was built with, for its initial view; later views use their own. */
    private final QuorumSystem initialQuorums;
    /** Quorum systems of the views met so far, by view id. */
    private final Map<Long, QuorumSystem> quorumsByView = new HashMap<>();
    /**
     * Set when a decision or an installed checkpoint moved this replica into the instances of
     * another view; {@link ReplicaCore} clears it once the leader change has reacted.
     */
    boolean viewEntered;
    final RequestVerifier verifier;
    /** The replica's signing keys: it signs with the one its view in force names. */
    final KeyRing keys;
    final SignatureVerifier signatures;
    final RandomGenerator random;
    /** Bugs a test build planted on purpose (empty in production); see {@link PlantedBug}. */
    final Set<PlantedBug> plantedBugs;
    final Counters counters = new Counters();

    /** Current leader regency; the epoch of new instances. */
    int regency;
    /** The regency this replica asked for with its latest STOP; equals {@code regency} if none. */
    int stopTarget;
    /** Whether the installed regency's SYNC was processed (or sent, by its leader). */
    boolean synced = true;
    /** Leader changes started since the last decision; drives the timeout backoff. */
    int failedChanges;
    /** The SYNC of the installed regency, once sent or processed; retransmitted by its leader. */
    Sync sync;
    /** The values the installed regency's SYNC bound, by consensus id (empty: all free). */
    final TreeMap<Long, Batch> syncChosen = new TreeMap<>();
    /**
     * The regency's first open instance (the one after the highest decision its SYNC proved).
     * Instances before it were decided in earlier regencies: they are learned from proofs, never
     * proposed or voted on in this one.
     */
    long syncConsensusId = -1;
    /**
     * This replica's votes in each undecided instance over all epochs so far, by consensus id,
     * reported in its STOPDATA. Kept across regencies, dropped on deciding.
     */
    final TreeMap<Long, VoteHistory> votes = new TreeMap<>();

    /** Highest consensus id decided here, -1 before the first decision. */
    long lastDecided = -1;
    /**
     * True while this replica, started without its memory, may not propose, vote or report its
     * votes: it does not know the decided log or the running regency yet (see {@link StateTransfer}).
     */
    boolean recovering;
    /**
     * The proof of decision {@code checkpointProofId}, the checkpoint installed by state
     * transfer: a STOPDATA proves the last decision with it until the log holds a later one.
     */
    List<Accept> checkpointProof = List.of();
    long checkpointProofId = -1;
    /**
     * A replica that lost its memory may have voted (or, as leader, proposed) in instances up to
     * this one, in regencies up to {@code voteFloorRegency}: it stays recovering until it has
     * decided them all or is in a later regency (see {@link StateTransfer}). -1: nothing was lost.
     */
    long voteFloor = -1;
    int voteFloorRegency = -1;
    /**
     * The regency a replica restored from its hard state restarted in, -1 if it did not restart
     * so. Its PROPOSEs left before its own votes were durable, so it may have proposed values it
     * never recorded: in this regency it proposes again only values it recorded as accepted, and
     * nothing new (a leader that proposed two values in one epoch would break the choice rule's
     * premise). The next regency, with another leader's SYNC, frees it.
     */
    int restoredRegency = -1;
    /**
     * A replica restored from its hard state answers no read-only query before it has decided
     * this instance, the highest it voted in before the restart. A reply leaves once the
     * replier's own ACCEPT is durable, not its decision's record, so a write acknowledged before
     * a crash of every replica may be in no replica's executed state after it, only in their
     * votes: until that instance is decided again, this replica's state may be older than a
     * reply it gave. A replica that restarted without its memory gets as floor the highest
     * instance its reporters voted in or decided (it may have decided and replied up to there
     * before it lost its memory; see {@link StateTransfer}): recovering lets it vote again, but its
     * state catches up with its old replies only once that instance is decided here. The client
     * falls back to ordering the read. -1: no floor.
     */
    long readFloor = -1;
    /** When this replica last decided (by vote or by proof). */
    long lastDecisionAtMs = Long.MIN_VALUE;
    /** When it last decided an instance in the installed regency: proof that the regency runs. */
    long regencyProvenAtMs = Long.MIN_VALUE;
    /** Timestamp of the last decided batch; the next batch's may not be lower. */
    long lastBatchTimestampMs = Long.MIN_VALUE;
    /** Per member, the highest consensus id it sent this replica an ACCEPT for: who is keeping up. */
    final Map<Integer, Long> lastAcceptFrom = new HashMap<>();
    /**
     * Members this replica has received a vote or a proposal from: a peer that restarts without
     * its memory learns from this that it voted before (see {@link StateTransfer}); that nobody
     * heard it proves nothing, since its own vote counts toward its own decisions.
     */
    final Set<Integer> heardVotesFrom = new HashSet<>();
    /** Until when an instance waits for the ACCEPTs that spare checking signatures; {@link Output#NEVER} if none does. */
    long acceptWaitUntilMs = Output.NEVER;
    /** Undecided instances within the window, by consensus id, all in epoch {@code regency}. */
    final TreeMap<Long, Instance> instances = new TreeMap<>();
    final PendingRequests pending;
    final DecisionLog decisionLog;
    /** Per client: which ordered sequence numbers are decided; at most {@code clientsMax} clients. */
    final ClientSessions decidedByClient;

    /** Evidence that a peer decided more: who, and up to which instance at least. */
    int aheadPeer = -1;
    long aheadConsensusId = -1;

    /** Why the last refused proposal was refused, for traces and logs. */
    String lastRejection = "";
    /** Time of the step being processed. */
    long nowMs;
    /** The persist sequence the step being processed gets if it has records to persist. */
    long stepPersistSequence;

    ReplicaState(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, KeyRing keys,
                 SignatureVerifier signatures, RandomGenerator random, Set<PlantedBug> plantedBugs) {
        this.config = config;
        this.plantedBugs = Set.copyOf(plantedBugs);
        this.id = config.replicaId();
        this.views = new ViewHistory(List.of(new ViewHistory.Entry(config.viewGovernsFrom(), config.view())));
        this.initialQuorums = quorums;
        this.verifier = verifier;
        this.keys = keys;
        this.signatures = signatures;
        this.random = random;
        this.pending = new PendingRequests(config.pendingRequestsMax());
        this.decisionLog = new DecisionLog(config.decisionLogMax());
        this.decidedByClient = new ClientSessions(config.clientWindowMax(), config.clientsMax(),
                evicted -> counters.increment(Counter.CLIENT_SESSION_EVICTED));
    }

    /**
     * The view in force: the one that governs the next instance to decide. A replica votes only in
     * instances of this view ({@link #windowEnd}), and its leader change gathers its members.
     */
    View view() {
        View inForce = views.at(lastDecided + 1);
        // A replica that joined knows no view before the one that added it until a checkpoint
        // brings them: it talks to that view's members, and votes in nothing before it.
        return inForce != null ? inForce : views.entries().get(0).view();
    }

    private io.phalanx.core.message.Bytes encodedLatestView;

    /** The newest view, encoded for clients that must learn it; encoded once per view. */
    io.phalanx.core.message.Bytes encodedLatestView() {
        View latest = views.latest();
        if (encodedLatestView == null || encodedLatestViewId != latest.id()) {
            encodedLatestView = io.phalanx.core.message.Bytes.copyOf(io.phalanx.core.codec.MessageCodec.encodeView(latest));
            encodedLatestViewId = latest.id();
        }
        return encodedLatestView;
    }

    private long encodedLatestViewId = -1;

    /** Signs with the key the view in force names for this replica. */
    Signer signer() {
        return keys.signerFor(view(), id);
    }

    /** The quorum rules of the view in force. */
    QuorumSystem quorums() {
        return quorumsOf(view());
    }

    /** The quorum rules of {@code view}. */
    QuorumSystem quorumsOf(View view) {
        if (view.id() == initialQuorums.view().id()) {
            return initialQuorums;
        }
        return quorumsByView.computeIfAbsent(view.id(), id -> view.quorums());
    }

    /**
     * The view that governs instance {@code consensusId}, if this replica knows it: it knows every
     * view of the instances up to {@code instanceWindowMax + 1} after its last decision (a later
     * change would have been decided after it). Null for instances beyond, or before the history
     * a checkpoint brought.
     */
    View viewAt(long consensusId) {
        if (consensusId > lastDecided + config.instanceWindowMax() + 1) {
            return null;
        }
        return views.at(consensusId);
    }

    /**
     * The last instance this replica may vote in: {@code instanceWindowMax} after its last
     * decision, and never in the next view's instances before it has decided every one of the
     * view in force (so a leader change never spans two views).
     */
    long windowEnd() {
        long next = views.nextChangeAfter(lastDecided + 1);
        return Math.min(lastDecided + config.instanceWindowMax(), next - 1);
    }

    int leader() {
        return view().leaderOf(regency);
    }

    boolean isLeader() {
        return leader() == id;
    }

    /** True if this replica is in the installed regency's normal case (not in a leader change). */
    boolean active() {
        return synced && stopTarget == regency && !viewEntered;
    }

    /** True if this replica may propose and vote: active, a member of the view in force, and not recovering from a lost memory. */
    boolean mayVote() {
        return active() && !recovering && view().contains(id);
    }

    /**
     * True once an administrator's change removed this replica and its instances have begun: it
     * takes no part any more (no votes, no timers, no answers to clients) and its driver may stop it.
     * A replica that a later view adds (one joining, whose checkpoint from its peers puts it in an
     * older view first) is not removed.
     */
    boolean removed() {
        return !view().contains(id) && !views.latest().contains(id);
    }

    /** True while recovering, once caught up with what its peers reported (only its lost votes are unsettled). */
    boolean caughtUpWhileRecovering;
    /**
     * True while recovering in CFT, once every other member has reported and those not
     * recovering themselves are no quorum: the others cannot settle its lost votes without it
     * (see {@link #mayReportVotes}).
     */
    boolean othersCannotDecideAlone;

    /**
     * True if this replica may send a STOPDATA: it is not recovering, so every vote it may have
     * lost is in a decided instance or an older regency; or, in BFT, it has caught up and only its
     * lost votes are unsettled. A STOPDATA that leaves them out is one faulty report among at
     * most f, which the choice rule tolerates (the replica counts toward f until it has
     * recovered); without it, a leader that crashes right after a restart would stall the cluster
     * for good, since settling the lost votes needs the leader change this report completes.
     * CFT's choice rule trusts every report, so there it waits, unless the replicas that are not
     * recovering are no quorum ({@link #othersCannotDecideAlone}): a majority restarted without
     * their votes, which is more than the f crashes CFT tolerates without loss, and nothing
     * could ever be decided again if they all waited for the others. Their reports leave out
     * only votes that no replica recorded durably, since every replica reported and each has
     * decided what any of them decided; the value of such a vote may be lost (the last writes
     * acknowledged before the crash, as docs/CONFIG.md says of durability async and none).
     */
    boolean mayReportVotes() {
        return !recovering || (caughtUpWhileRecovering
                && (view().mode() == io.phalanx.core.view.Mode.BFT || othersCannotDecideAlone));
    }

    /**
     * True once every vote this replica may have lost is in a decided instance, or the cluster has
     * moved on to a later regency whose SYNC this replica has (a recovering replica sends no
     * STOPDATA, so that SYNC was chosen from the complete reports of others).
     */
    boolean lostVotesSettled() {
        return lastDecided >= voteFloor || (synced && regency > voteFloorRegency);
    }

    /** The request timeout after backoff for failed leader changes. */
    long timeoutMs() {
        int exponent = Math.min(failedChanges, config.timeoutBackoffExponentMax());
        return config.requestTimeoutMs() << exponent;
    }

    /** True if {@code clientId} may have {@code sequence} ordered now; creates no session. */
    boolean admits(long clientId, long sequence) {
        return decidedByClient.admits(clientId, sequence);
    }

    /**
     * True if {@code sequence} of {@code clientId} is decided (or belongs to a session that is
     * over, evicted included); creates no session, so unknown clients cost no memory.
     */
    boolean isDecided(long clientId, long sequence) {
        return decidedByClient.isDone(clientId, sequence);
    }

    /** The instance {@code consensusId}, created if it is within the window; null otherwise. */
    Instance instance(long consensusId) {
        if (consensusId <= lastDecided || consensusId > windowEnd()) {
            return null;
        }
        return instances.computeIfAbsent(consensusId, c -> new Instance(c, regency));
    }

    /** The requests in the values of the open instances before {@code consensusId}: in flight already. */
    Set<RequestId> requestsOpenBefore(long consensusId) {
        Set<RequestId> ids = new HashSet<>();
        for (Instance earlier : instances.headMap(consensusId).values()) {
            if (earlier.hasValue()) {
                earlier.batch.requests().forEach(r -> ids.add(r.id()));
            }
        }
        return ids;
    }

    /** The timestamp a value for {@code consensusId} may not go below: its predecessor's. */
    long previousTimestamp(long consensusId) {
        Instance previous = instances.get(consensusId - 1);
        return previous != null && previous.hasValue() ? previous.batch.timestampMs() : lastBatchTimestampMs;
    }

    /** Records that {@code peer} has decided at least up to {@code consensusId}. */
    void noteAhead(int peer, long consensusId) {
        if (consensusId > lastDecided && consensusId > aheadConsensusId) {
            aheadPeer = peer;
            aheadConsensusId = consensusId;
        }
    }

    boolean behind() {
        return aheadConsensusId > lastDecided;
    }

    /** Counts and explains why {@code message} was not processed; returns false for chaining. */
    boolean refuse(Counter counter, ReplicaMessage message) {
        counters.increment(counter);
        String where = message instanceof ConsensusMessage c ? " cid=" + c.consensusId() + " epoch=" + c.epoch() : "";
        lastRejection = counter + " " + message.getClass().getSimpleName() + where + " from " + message.sender();
        return false;
    }

    /** Counts a refusal with a reason of its own. */
    boolean refuse(Counter counter, ReplicaMessage message, String reason) {
        refuse(counter, message);
        lastRejection += ": " + reason;
        return false;
    }

    void broadcast(Effects effects, ReplicaMessage message) {
        for (int member : view().members()) {
            if (member != id) {
                effects.send(member, message);
            }
        }
    }
}
