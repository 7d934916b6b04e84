package io.phalanx.core.replica;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.codec.CodecException;
import io.phalanx.core.crypto.SignatureVerifier;
import io.phalanx.core.crypto.KeyRing;
import io.phalanx.core.crypto.Signer;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Checkpoint;
import io.phalanx.core.message.Chunk;
import io.phalanx.core.message.ChunkFetch;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.DecisionFetch;
import io.phalanx.core.message.DecisionPush;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.ReplicaMessage;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StateQuery;
import io.phalanx.core.message.StateReport;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.Write;
import io.phalanx.core.service.RequestVerifier;
import io.phalanx.core.view.QuorumSystem;
import io.phalanx.core.view.View;
import io.phalanx.core.view.ViewHistory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * One replica's protocol logic as a deterministic state machine: {@code output = step(now, input)}.
 *
 * <p>It performs no I/O, starts no threads, reads no clock and draws randomness only from the
 * generator it is given, so the simulator can run many replicas in one thread from one seed and
 * the runtime can run the same code over real sockets. Not thread-safe: the driver calls it from
 * one thread. Inputs are dispatched to one handler per family: client requests
 * ({@link RequestAdmission}), the normal case ({@link NormalCase}), the leader change
 * ({@link LeaderChange}), catching up on missed decisions ({@link Catchup}) and state transfer
 * ({@link StateTransfer}). The handlers are siblings: none calls another. This class alone
 * dispatches inputs and ticks to them and carries out what one handler's outcome asks of
 * another (a queued request moves the open instances; an adopted SYNC fetches the decisions it
 * showed missing, then moves them). What deciding changes is shared by the three handlers that
 * learn decisions ({@link Decisions}); the checks of proofs and signatures too ({@link Proofs}).
 */
public final class ReplicaCore {
    private final ReplicaState state;
    private final Decisions decisions;
    private final NormalCase normalCase;
    private final CaughtUpProbe caughtUpProbe;
    private final RequestAdmission admission;
    private final LeaderChange leaderChange;
    private final Catchup catchup;
    private final StateTransfer stateTransfer;
    private final Start start;
    private final Invariants invariants;
    /** The persist sequence of the latest step with records to persist; 0 before any. */
    private long persistRequested;
    /** The latest persist sequence the driver reported durable ({@link Input.Persisted}). */
    private long persistedUpTo;
    /** With {@link ReplicaConfig#sendsAwaitPersistence}: sends not yet released, oldest first. */
    private final java.util.ArrayDeque<HeldSends> heldSends = new java.util.ArrayDeque<>();
    /** True while a held send is not a vote: every later send, PROPOSEs included, queues behind it. */
    private boolean heldBehindLeaderChange;
    /** The hard state as of the last step that reported it: a step that changes it reports it again. */
    private HardState persisted;
    private boolean stepped;

    /**
     * How many checkpoints a replica serves to peers at once: its latest, and the one before for
     * transfers still under way. An image store may drop any older image.
     */
    public static final int CHECKPOINTS_SERVED = StateTransfer.SERVED_MAX;

    /** How a replica begins. */
    public enum Start {
        /**
         * A new cluster: no replica has voted yet, so this one may vote at once. Only for the
         * first start of a cluster whose members all start empty (tests, the simulator).
         */
        NEW_CLUSTER,
        /**
         * A replica with no data of its own (its data directory is new): it may never have voted,
         * or it may have lost a disk. It asks its peers how far the cluster got, like
         * {@link #RECOVERING}; if none of them has voted or changed leaders yet, it lost nothing.
         */
        FIRST_START,
        /**
         * A replica that ran before and kept no votes: it asks its peers how far the cluster got
         * and neither proposes, votes nor reports votes until it has decided that far and joined
         * their regency, and it keeps out of the instances and regencies where its lost votes may
         * lie (see {@link StateTransfer}).
         */
        RECOVERING,
        /**
         * A replica that ran before and kept its hard state durable before every message it sent
         * (durability {@code sync}): it remembers every vote it cast, so it votes again at once,
         * never contradicting them (see {@link HardState}).
         */
        RESTORED
    }

    /**
     * @param config     limits, timers and identity
     * @param verifier   the service's check on requests proposed for ordering
     * @param signer     signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures checks other replicas' and clients' signatures
     * @param random     source of batch nonces; seeded in the simulator, secure in production
     */
    public ReplicaCore(ReplicaConfig config, RequestVerifier verifier, Signer signer, SignatureVerifier signatures,
                       RandomGenerator random) {
        this(config, config.view().quorums(), verifier, signer, signatures, random, Start.NEW_CLUSTER);
    }

    /**
     * A replica of a new cluster ({@link Start#NEW_CLUSTER}) with a quorum system of its own.
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param signer      signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, Signer signer,
                       SignatureVerifier signatures, RandomGenerator random) {
        this(config, quorums, verifier, signer, signatures, random, Start.NEW_CLUSTER);
    }

    /**
     * A replica with a quorum system other than the view's standard one (weighted votes, say).
     * Safety rests on its contract (see {@link QuorumSystem}); the simulator also uses this to
     * plant an undersized quorum and show that its checkers catch the consequences.
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param signer      signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     * @param start       whether this replica may have voted before ({@link Start#RECOVERING})
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, Signer signer,
                       SignatureVerifier signatures, RandomGenerator random, Start start) {
        this(config, quorums, verifier, signer, signatures, random, start, Set.of());
    }

    /**
     * A replica with bugs planted on purpose, for the simulator's mutation suite only ({@link PlantedBug}).
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param signer      signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     * @param start       how this replica begins: whether it may have voted before and kept its votes
     * @param plantedBugs bugs planted on purpose so the simulator proves its checkers find them;
     *                    empty in production
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, Signer signer,
                       SignatureVerifier signatures, RandomGenerator random, Start start, Set<PlantedBug> plantedBugs) {
        this(config, quorums, verifier, signer, signatures, random, start, plantedBugs, Recovered.NOTHING);
    }

    /**
     * A replica that restarts from what its storage kept: it resumes after the stored decisions,
     * and, if {@code start} is {@link Start#RESTORED}, with its hard state (any other start ignores
     * the stored hard state: it may be incomplete). The driver restores its execution layer from
     * the same checkpoint and decisions.
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param signer      signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     * @param start       how this replica begins; only {@link Start#RESTORED} trusts the stored
     *                    hard state
     * @param plantedBugs bugs planted on purpose so the simulator proves its checkers find them;
     *                    empty in production
     * @param recovered   what the replica's storage kept: checkpoint, decisions after it, hard state
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, Signer signer,
                       SignatureVerifier signatures, RandomGenerator random, Start start, Set<PlantedBug> plantedBugs,
                       Recovered recovered) {
        this(config, quorums, verifier, signer, signatures, random, start, plantedBugs, recovered, new MemoryImageStore());
    }

    /**
     * A replica that writes the checkpoints it receives by state transfer into {@code images}: a
     * driver with storage passes its own, so that a state larger than memory goes to disk a chunk
     * at a time and a transfer cut short by a restart resumes.
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param signer      signs this replica's ACCEPTs (BFT) and STOPDATA (WRITEs are unsigned)
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     * @param start       how this replica begins; only {@link Start#RESTORED} trusts the stored
     *                    hard state
     * @param plantedBugs bugs planted on purpose so the simulator proves its checkers find them;
     *                    empty in production
     * @param recovered   what the replica's storage kept: checkpoint, decisions after it, hard state
     * @param images      where state transfer writes the checkpoint images it receives
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, Signer signer,
                       SignatureVerifier signatures, RandomGenerator random, Start start, Set<PlantedBug> plantedBugs,
                       Recovered recovered, ImageStore images) {
        this(config, quorums, verifier, KeyRing.of(signer), signatures, random, start, plantedBugs, recovered, images);
    }

    /**
     * A replica that holds several signing keys (during a key rotation): it signs with the one its
     * view in force names ({@link KeyRing}).
     *
     * @param config      limits, timers and identity
     * @param quorums     decides which sets of replicas are quorums; must be for {@code config}'s view
     * @param verifier    the service's check on requests proposed for ordering
     * @param keys        this replica's signing keys, for its ACCEPTs (BFT) and STOPDATA
     * @param signatures  checks other replicas' and clients' signatures
     * @param random      the core's only source of randomness (batch nonces): seeded in the
     *                    simulator, secure in production
     * @param start       how this replica begins; only {@link Start#RESTORED} trusts the stored
     *                    hard state
     * @param plantedBugs bugs planted on purpose so the simulator proves its checkers find them;
     *                    empty in production
     * @param recovered   what the replica's storage kept: checkpoint, decisions after it, hard state
     * @param images      where state transfer writes the checkpoint images it receives
     */
    public ReplicaCore(ReplicaConfig config, QuorumSystem quorums, RequestVerifier verifier, KeyRing keys,
                       SignatureVerifier signatures, RandomGenerator random, Start start, Set<PlantedBug> plantedBugs,
                       Recovered recovered, ImageStore images) {
        if (!Objects.requireNonNull(quorums, "quorums").view().equals(config.view())) {
            throw new IllegalArgumentException("the quorum system is for another view");
        }
        this.state = new ReplicaState(Objects.requireNonNull(config, "config"), quorums,
                Objects.requireNonNull(verifier, "verifier"), Objects.requireNonNull(keys, "keys"),
                Objects.requireNonNull(signatures, "signatures"), Objects.requireNonNull(random, "random"), plantedBugs);
        Proofs proofs = new Proofs(state);
        this.decisions = new Decisions(state);
        this.caughtUpProbe = new CaughtUpProbe(state);
        this.normalCase = new NormalCase(state, proofs, decisions, caughtUpProbe);
        this.admission = new RequestAdmission(state, proofs);
        this.catchup = new Catchup(state, decisions, proofs);
        this.leaderChange = new LeaderChange(state, proofs);
        this.stateTransfer = new StateTransfer(state, decisions, proofs, start == Start.FIRST_START,
                Objects.requireNonNull(images, "images"));
        this.start = Objects.requireNonNull(start, "start");
        this.invariants = new Invariants(state);
        // A replica alone is the whole cluster: there is nobody to learn from or to contradict.
        state.recovering = start != Start.NEW_CLUSTER && start != Start.RESTORED && config.view().n() > 1;
        if (start == Start.RESTORED && config.view().n() > 1) {
            stateTransfer.probeAfterRestart();
        }
        resume(Objects.requireNonNull(recovered, "recovered"));
        persisted = hardState();
    }

    /** Brings the protocol state to where the storage left it; the effects were the driver's before the crash. */
    private void resume(Recovered recovered) {
        Effects replayed = new Effects();
        if (recovered.checkpoint() != null) {
            CheckpointImage image = recovered.checkpoint();
            Checkpoint header;
            try {
                header = image.header();
            } catch (IOException | CodecException e) {
                throw new IllegalStateException("replica " + state.id + " cannot read its stored checkpoint "
                        + image.consensusId() + ": " + e.getMessage(), e);
            }
            decisions.install(replayed, header, image, recovered.checkpointProof());
            recovered.covered().forEach(state.decisionLog::append); // ends at the checkpoint: the log stays in step
            stateTransfer.onCheckpointTaken(image);
        }
        for (Decision decision : recovered.decisions()) {
            decisions.commit(replayed, decision);
        }
        // Views entered before the restart: the stored hard state says whether its SYNC is of the view in force.
        state.viewEntered = false;
        if (start == Start.RESTORED) {
            leaderChange.restore(recovered.hardState().afterDecided(state.lastDecided));
            state.restoredRegency = state.regency;
            state.readFloor = state.votes.isEmpty() ? -1 : state.votes.lastKey();
        }
    }

    /**
     * Processes one input at time {@code nowMs} and returns what the driver must do.
     *
     * @param nowMs the driver's clock in milliseconds, the only time the core knows
     * @param input what happened to the replica
     * @return what to persist, send, deliver and answer, and when to tick next
     */
    public Output step(long nowMs, Input input) {
        state.nowMs = nowMs;
        state.stepPersistSequence = persistRequested + 1;
        if (!stepped) {
            stepped = true;
            leaderChange.startTimersAt(nowMs); // a restored leader change times out from now, not from time 0
        }
        boolean wasRecovering = state.recovering;
        Effects effects = new Effects();
        if (input instanceof Input.RequestReceived r) {
            if (r.request().viewId() > state.views.latest().id()) {
                stateTransfer.onNewerViewRequested(effects); // its client knows a later view: this replica is behind
            }
            if (admission.onRequest(effects, r.request())) {
                normalCase.progress(effects);
            }
        } else if (input instanceof Input.MessageReceived m) {
            onMessage(effects, m.from(), m.message());
        } else if (input instanceof Input.Tick) {
            normalCase.onTick(effects);
            leaderChange.onTick(effects);
            followUp(effects);
            catchup.onTick(effects);
            stateTransfer.onTick(effects);
        } else if (input instanceof Input.CheckpointTaken c) {
            stateTransfer.onCheckpointTaken(c.image());
        } else if (input instanceof Input.Persisted p) {
            persistedUpTo = Math.max(persistedUpTo, Math.min(p.sequence(), persistRequested));
        } else {
            throw new IllegalStateException("no handler for input " + input.getClass().getName());
        }
        if (state.viewEntered) {
            state.viewEntered = false;
            leaderChange.onViewEntered(effects);
            followUp(effects);
            normalCase.progress(effects); // in regency 0, the new view's leader proposes at once
        }
        int join = stateTransfer.regencyToJoin();
        if (join > 0) {
            leaderChange.adoptRunningRegency(effects, join); // listening only: it votes after the SYNC
        }
        stateTransfer.checkRecovered();
        stateTransfer.dropIfDecidedPast();
        if (wasRecovering && !state.recovering) {
            normalCase.progress(effects); // may propose and vote now in the instances it followed
        }
        reportHardState(effects);
        invariants.check();
        return withHeldSends(effects.build(wakeAt()));
    }

    /**
     * Numbers a step with records to persist, and, with {@link ReplicaConfig#sendsAwaitPersistence},
     * holds its sends (and those of any step after it) until they are persisted, releasing those
     * whose steps are.
     *
     * <p>A PROPOSE is not held while only votes wait ahead of it: it records nothing and promises
     * nothing, so the leader's fsync of its own vote runs in parallel with its followers' fsyncs
     * instead of before them (Raft's leader, too, appends to its own log while it replicates). A
     * restarted leader may therefore have proposed a value it never recorded; it proposes nothing
     * new in the regency it restarted in ({@link ReplicaState#restoredRegency}). Behind a held
     * leader-change message (a SYNC above all) a PROPOSE keeps its place, so it never reaches a
     * follower before the regency it belongs to.
     */
    private Output withHeldSends(Output output) {
        long sequence = output.persists() ? ++persistRequested : 0;
        if (!state.config.sendsAwaitPersistence()) {
            return sequence == 0 ? output : output.withSends(output.sends(), sequence);
        }
        List<Send> released = new ArrayList<>();
        List<Send> held = new ArrayList<>();
        for (Send send : output.sends()) {
            if (send.message() instanceof Propose && !heldBehindLeaderChange) {
                released.add(send);
            } else {
                held.add(send);
                heldBehindLeaderChange |= !isVote(send.message());
            }
        }
        if (!held.isEmpty()) {
            heldSends.add(new HeldSends(persistRequested, held));
        }
        while (!heldSends.isEmpty() && heldSends.peekFirst().persistSequence() <= persistedUpTo) {
            released.addAll(heldSends.pollFirst().sends());
        }
        if (heldSends.isEmpty()) {
            heldBehindLeaderChange = false;
        }
        return output.withSends(released, sequence);
    }

    /** True for the normal-case messages a PROPOSE of a later step may overtake. */
    private static boolean isVote(ReplicaMessage message) {
        return message instanceof Propose || message instanceof Write || message instanceof Accept;
    }

    /** Sends that wait for the records of step {@code persistSequence} (and every one before it) to be durable. */
    private record HeldSends(long persistSequence, List<Send> sends) {
    }

    /** Adds the hard state to the step's effects if the step changed it (deciding an instance only settles votes). */
    private void reportHardState(Effects effects) {
        boolean changed = state.regency != persisted.regency() || state.stopTarget != persisted.stopTarget()
                || state.sync != persisted.sync();
        for (var vote : state.votes.entrySet()) {
            changed |= persisted.votes().get(vote.getKey()) != vote.getValue(); // histories are immutable: identity suffices
        }
        if (changed) {
            persisted = hardState();
            effects.hardState(persisted);
        }
    }

    private HardState hardState() {
        return new HardState(state.regency, state.stopTarget, state.sync, state.votes);
    }

    /**
     * A tick every tick interval while any timer can fire (requests pending, a change running, or
     * behind), and at the end of a wait for ACCEPTs.
     */
    private long wakeAt() {
        boolean timersRunning = !state.pending.isEmpty() || !state.active() || state.behind() || state.recovering
                || stateTransfer.transferring() || stateTransfer.probing();
        long timers = timersRunning ? state.nowMs + state.config.tickIntervalMs() : Output.NEVER;
        return Math.min(timers, state.acceptWaitUntilMs);
    }

    private void onMessage(Effects effects, int from, ReplicaMessage message) {
        if (message.sender() != from) {
            state.refuse(Counter.SPOOFED_SENDER, message);
            return;
        }
        if (!state.views.anyContains(from) || from == state.id) {
            state.refuse(Counter.NOT_A_MEMBER, message);
            return;
        }
        if (message instanceof Propose p) {
            normalCase.onPropose(effects, p);
        } else if (message instanceof Write w) {
            normalCase.onWrite(effects, w);
        } else if (message instanceof Accept a) {
            normalCase.onAccept(effects, a);
        } else if (message instanceof Forward f) {
            if (admission.onRelayed(f.requests())) {
                normalCase.progress(effects);
            }
        } else if (message instanceof Stop s) {
            offerWhatIsMissing(effects, s.sender(), s.lastDecided() + 1, false);
            boolean queued = admission.onRelayed(s.requests());
            leaderChange.onStop(effects, s);
            followUp(effects);
            if (queued) {
                normalCase.progress(effects);
            }
        } else if (message instanceof StopData d) {
            leaderChange.onStopData(effects, d);
            followUp(effects);
        } else if (message instanceof Sync s) {
            leaderChange.onSync(effects, s);
            followUp(effects);
        } else if (message instanceof DecisionFetch f) {
            offerWhatIsMissing(effects, f.sender(), f.fromConsensusId(), true);
        } else if (message instanceof DecisionPush p) {
            int provenEpoch = catchup.onPush(effects, p);
            if (provenEpoch >= 0) {
                leaderChange.adoptRunningRegency(effects, provenEpoch);
                normalCase.progress(effects);
            }
        } else if (message instanceof StateQuery q) {
            stateTransfer.onQuery(effects, q);
        } else if (message instanceof StateReport r) {
            stateTransfer.onReport(effects, r);
            if (caughtUpProbe.onReport(r)) {
                normalCase.progress(effects); // every member answered: the administrator's request may go
            }
        } else if (message instanceof ChunkFetch f) {
            stateTransfer.onChunkFetch(effects, f);
        } else if (message instanceof Chunk c) {
            int provenEpoch = stateTransfer.onChunk(effects, c);
            if (provenEpoch >= 0) {
                // As for a pushed decision: a checkpoint whose last decision was proven in a later
                // regency shows that regency running (without it a replica that recovered by state
                // transfer into an idle cluster never learned the regency its peers reported).
                leaderChange.adoptRunningRegency(effects, provenEpoch);
            }
            if (state.behind()) {
                catchup.fetchNow(effects); // the decisions after an installed checkpoint
            }
        } else {
            throw new IllegalStateException("no handler for " + message.getClass().getName());
        }
    }

    /** Does what the leader change asked of the other handlers. */
    private void followUp(Effects effects) {
        LeaderChange.FollowUp followUp = leaderChange.takeFollowUp();
        if (followUp.fetchDecisions()) {
            catchup.fetchNow(effects);
        }
        if (followUp.progress()) {
            normalCase.progress(effects);
        }
        if (followUp.retransmitVotes()) {
            normalCase.retransmitVotes(effects);
        }
    }

    /**
     * Gives {@code peer}, which lacks the decisions from {@code fromConsensusId} on, those
     * decisions, or this replica's state report when they are gone from the log or, if it asked
     * for them ({@code asked}), so many that a checkpoint is quicker (it then fetches the
     * checkpoint). A STOP only says how far its sender got: it is answered with a report only
     * when the decisions are gone.
     */
    private void offerWhatIsMissing(Effects effects, int peer, long fromConsensusId, boolean asked) {
        if (fromConsensusId > state.lastDecided) {
            return; // nothing this replica can add
        }
        boolean checkpointQuicker = asked && stateTransfer.checkpointSaves(fromConsensusId);
        if (checkpointQuicker || !catchup.offerDecisions(effects, peer, fromConsensusId - 1)) {
            stateTransfer.sendReport(effects, peer);
        }
    }

    /**
     * This replica's id in the view.
     *
     * @return the id {@code config} gave it
     */
    public int id() {
        return state.id;
    }

    /**
     * Highest consensus id decided here; -1 before the first decision.
     *
     * @return the consensus id of the latest decision, or -1
     */
    public long lastDecided() {
        return state.lastDecided;
    }

    /**
     * The view in force: the one that governs the next instance to decide.
     *
     * @return the view whose members this replica votes with
     */
    public View viewInForce() {
        return state.view();
    }

    /**
     * True once an administrator's change removed this replica and the new view's instances have
     * begun here: it votes, proposes and answers no more, and its driver may stop it once the
     * votes it cast before are out ({@link #holdsSends()}): the old view's last instances may need them.
     *
     * @return true if this replica is no member of the view in force
     */
    public boolean removed() {
        return state.removed();
    }

    /**
     * True while sends of earlier steps wait for the driver to report their records durable
     * ({@link Input.Persisted}); always false unless {@link ReplicaConfig#sendsAwaitPersistence}.
     *
     * @return true if some send is held
     */
    public boolean holdsSends() {
        return !heldSends.isEmpty();
    }

    /**
     * Which view governs which instances, as far as this replica knows.
     *
     * @return the view history, from the view in force at its last checkpoint or start
     */
    public ViewHistory views() {
        return state.views;
    }

    /**
     * The installed regency (the epoch this replica votes in).
     *
     * @return the regency, whose leader the view's rotation names
     */
    public int regency() {
        return state.regency;
    }

    /**
     * How this replica began.
     *
     * @return the start it was built with
     */
    public Start start() {
        return start;
    }

    /**
     * True while this replica, started without its memory, has not yet decided every instance a
     * quorum of its peers voted in: it follows decisions but casts no vote.
     *
     * @return true while recovery holds this replica's votes back
     */
    public boolean recovering() {
        return state.recovering;
    }

    /**
     * The instance a recovering replica must decide before it votes again: -2 until peers that
     * make a quorum with it reported, then the highest instance any of them decided.
     *
     * @return the consensus id to reach, or -2 while too few peers have reported
     */
    public long recoveryTarget() {
        return stateTransfer.recoveryTarget();
    }

    /**
     * True while this replica, recovering, has caught up with its peers but waits for the
     * instances where the votes it lost may lie to be decided, or for a later regency: in an idle
     * cluster it waits for the next requests.
     *
     * @return true while only the instances or regency past its lost votes hold it back
     */
    public boolean awaitsLostVotes() {
        return stateTransfer.awaitsLostVotes();
    }

    /**
     * How far a peer is known to have decided, if beyond this replica by more than the pipeline
     * (a follower always sees votes for the instances the leader keeps open); -1 otherwise.
     *
     * @return the highest consensus id a peer decided, or -1 if no peer is that far ahead
     */
    public long aheadConsensusId() {
        return state.aheadConsensusId - state.lastDecided > state.config.pipelineMax() ? state.aheadConsensusId : -1;
    }

    /**
     * The state transfer under way: {checkpoint consensus id, chunks received, chunks in all,
     * bytes received, bytes in all}; empty if none.
     *
     * @return {checkpoint consensus id, chunks received, chunks in all, bytes received, bytes in
     *         all}, or empty
     */
    public java.util.Optional<long[]> stateTransferProgress() {
        return java.util.Optional.ofNullable(stateTransfer.transferProgress());
    }

    /**
     * True if this replica is proposing/voting in its regency (not in a leader change).
     *
     * @return false while a leader change runs
     */
    public boolean active() {
        return state.active();
    }

    /**
     * The request timeout now in force, after backoff for leader changes that led nowhere.
     *
     * @return the timeout in milliseconds, at least {@link ReplicaConfig#requestTimeoutMs}
     */
    public long currentTimeoutMs() {
        return state.timeoutMs();
    }

    /**
     * The replica this one currently follows.
     *
     * @return the id of the installed regency's leader
     */
    public int leader() {
        return state.leader();
    }

    /**
     * Requests received for ordering and not yet decided; each runs a request timer.
     *
     * @return their number, at most {@link ReplicaConfig#pendingRequestsMax}
     */
    public int pendingRequests() {
        return state.pending.size();
    }

    /**
     * What this replica counted: messages and requests refused by reason, proposals, decisions
     * and the like ({@link Counter}).
     *
     * @return the live counters, which later steps keep updating; read them on the driver's thread
     */
    public Counters counters() {
        return state.counters;
    }

    /**
     * Why the most recent refused message or proposal was refused (empty if none).
     *
     * @return the counter, the message kind, its instance and epoch (consensus messages) and its sender
     */
    public String lastRejection() {
        return state.lastRejection;
    }
}
