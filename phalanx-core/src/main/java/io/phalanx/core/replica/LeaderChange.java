package io.phalanx.core.replica;

import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.message.Accept;
import io.phalanx.core.message.Bytes;
import io.phalanx.core.message.Decision;
import io.phalanx.core.message.Forward;
import io.phalanx.core.message.Request;
import io.phalanx.core.message.Stop;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Sync;
import io.phalanx.core.message.VoteHistory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The synchronization phase: request timers, STOP, STOPDATA and SYNC.
 *
 * <p>Timers. A pending request's timer first expires after the (backed-off) request timeout: the
 * request is forwarded to every replica. At twice the timeout the replica asks to leave the
 * regency with STOP(regency + 1). An installed regency whose SYNC has not come one timeout after
 * it was installed is abandoned for the next; a STOP no quorum joined is retransmitted, not
 * escalated (PBFT's rule: a replica's target is never more than one above a regency some correct
 * replica installed, so no group of replicas runs ahead of the others). The timeout doubles with
 * every leader change until a decision resets it, so that eventually one lasts long enough under
 * any delay bound.
 *
 * <p>Regencies. A replica joins a leader change once f+1 replicas asked for it (one of them is
 * correct), and installs the regency once a quorum did. It then sends its signed STOPDATA to the
 * new leader, which collects a quorum (more if the choice rule needs them), applies the choice
 * rule ({@link Proofs#choose}) and broadcasts SYNC with the STOPDATAs as evidence; followers check every signature and re-run the
 * choice before they vote in the new regency.
 */
final class LeaderChange {
    /**
     * What the other handlers do after a call into the leader change, in this order: fetch the
     * decisions a SYNC showed missing, move the open instances (a SYNC was adopted), resend this
     * replica's votes (the retransmission timer fired). {@link ReplicaCore} does them, so the
     * handlers never call one another.
     */
    record FollowUp(boolean fetchDecisions, boolean progress, boolean retransmitVotes) {
        static final FollowUp NONE = new FollowUp(false, false, false);
    }

    private final ReplicaState state;
    private final Proofs proofs;
    private boolean fetchDue;
    private boolean progressDue;
    private boolean retransmitDue;
    /** When the current leader change started; its own timeout runs from here. */
    private long changeStartedMs;
    /** When the change in progress (or the open instances) are next retransmitted. */
    private long nextRetransmitAtMs;
    /** Highest regency each replica asked for in a STOP (or implied with a STOPDATA). */
    private final Map<Integer, Integer> highestStopBy = new HashMap<>();
    /** Latest STOPDATA per sender (the leader of a regency collects them). */
    private final Map<Integer, StopData> stopDataBySender = new HashMap<>();
    /** Senders whose STOPDATA for the installed regency was checked and found valid. */
    private final Map<Integer, StopData> validStopData = new TreeMap<>();

    LeaderChange(ReplicaState state, Proofs proofs) {
        this.state = state;
        this.proofs = proofs;
    }

    /** What the last calls asked of the other handlers; clears it. */
    FollowUp takeFollowUp() {
        if (!fetchDue && !progressDue && !retransmitDue) {
            return FollowUp.NONE;
        }
        FollowUp followUp = new FollowUp(fetchDue, progressDue, retransmitDue);
        fetchDue = false;
        progressDue = false;
        retransmitDue = false;
        return followUp;
    }

    /** Runs the timers: forwards, starts or escalates leader changes, retransmits. */
    void onTick(Effects effects) {
        if (state.removed()) {
            return; // no leader of its own to replace any more
        }
        long timeout = state.timeoutMs();
        boolean expiredTwice = expireRequestTimers(effects, timeout);
        boolean regencyRunning = state.regencyProvenAtMs > changeStartedMs;
        if (state.stopTarget > state.regency && state.pending.isEmpty()
                && (state.synced ? state.lastDecisionAtMs > changeStartedMs : regencyRunning)) {
            // Everything it waited for got decided in the old regency after all: take the STOP
            // back (no STOPDATA was sent for it, so nothing was promised) and vote again.
            state.stopTarget = state.regency;
            highestStopBy.remove(state.id);
            state.counters.increment(Counter.STOP_WITHDRAWN);
        }
        if (state.active() && expiredTwice) {
            startStop(effects, state.regency + 1);
        } else if (!state.synced && state.stopTarget == state.regency && regencyRunning) {
            // Its peers decide in the installed regency while this replica waits for its SYNC (it
            // joined from a decision proof, or may not report yet): the regency is not stuck.
            changeStartedMs = state.nowMs;
        } else if (awaitsSync() && state.nowMs - changeStartedMs >= timeout) {
            startStop(effects, state.regency + 1);
        }
        if (state.nowMs >= nextRetransmitAtMs && (!state.pending.isEmpty() || !state.active())) {
            retransmit(effects);
            nextRetransmitAtMs = state.nowMs + Math.max(1, timeout / 2);
        }
    }

    /** Starts the leader change's timers at {@code nowMs}: a core restored in a change times out from its first step. */
    void startTimersAt(long nowMs) {
        changeStartedMs = nowMs;
    }

    /**
     * True while the installed regency waits for its SYNC: a quorum asked for it, so a SYNC that
     * has not come within the timeout means its leader is faulty or too slow, and only such a
     * change is abandoned for the next regency. A STOP that no quorum joined is retransmitted,
     * never escalated: escalating cannot gather the missing askers, and replicas that see f+1
     * asking while the others do not (twins telling one side what the other never hears) ran
     * ahead with it; after GST their old STOPs still made f+1 for a target above every regency
     * the others installed, so they left each one at once (seed 5011690; docs/PROTOCOL.md, Timers).
     */
    private boolean awaitsSync() {
        return !state.synced && state.stopTarget == state.regency;
    }

    /** Forwards requests whose timer expired once; true if one expired twice. */
    private boolean expireRequestTimers(Effects effects, long timeout) {
        List<Request> toForward = new ArrayList<>();
        boolean expiredTwice = false;
        for (PendingRequests.Entry entry : state.pending.entries()) {
            long age = state.nowMs - entry.sinceMs;
            if (age < timeout) {
                break; // entries are oldest first: the rest are younger still
            }
            if (age >= 2 * timeout) {
                expiredTwice = true;
            }
            if (age >= timeout && !entry.forwarded && toForward.size() < state.config.batchRequestsMax()) {
                entry.forwarded = true;
                toForward.add(entry.request);
            }
        }
        if (!toForward.isEmpty()) {
            state.counters.add(Counter.FORWARDED, toForward.size());
            state.broadcast(effects, new Forward(state.id, toForward));
        }
        return expiredTwice;
    }

    /** Asks to leave every regency below {@code target}. */
    private void startStop(Effects effects, int target) {
        if (target <= state.stopTarget) {
            return;
        }
        state.stopTarget = target;
        changeStartedMs = state.nowMs;
        state.failedChanges++;
        highestStopBy.merge(state.id, target, Math::max);
        state.counters.increment(Counter.STOP_SENT);
        state.broadcast(effects, stopMessage());
        checkStops(effects);
    }

    private Stop stopMessage() {
        return new Stop(state.id, state.stopTarget, state.lastDecided, state.pending.oldest(state.config.batchRequestsMax()));
    }

    /**
     * A STOP; the dispatcher offers the decisions its sender lacks (decisions or a checkpoint) and
     * admits the requests it relays.
     */
    void onStop(Effects effects, Stop stop) {
        if (stop.regency() > state.regency) {
            highestStopBy.merge(stop.sender(), stop.regency(), Math::max);
            checkStops(effects);
        }
    }

    /**
     * Joins the highest regency that f+1 replicas asked for (so at least one correct one did),
     * and installs the highest that a quorum asked for.
     */
    private void checkStops(Effects effects) {
        TreeSet<Integer> targets = new TreeSet<>(highestStopBy.values());
        for (int target : targets.descendingSet()) {
            if (target <= state.regency) {
                break;
            }
            Set<Integer> askers = askersOf(target);
            if (state.quorums().isQuorum(askers)) {
                startStop(effects, target);
                install(effects, target);
                return;
            }
            if (state.quorums().containsCorrect(askers) && target > state.stopTarget) {
                startStop(effects, target);
                return;
            }
        }
    }

    private Set<Integer> askersOf(int target) {
        Set<Integer> askers = new HashSet<>();
        highestStopBy.forEach((replica, asked) -> {
            if (asked >= target) {
                askers.add(replica);
            }
        });
        return askers;
    }

    /** Enters regency {@code regency}: silent in older ones for good, reporting to its leader. */
    private void install(Effects effects, int regency) {
        if (regency <= state.regency) {
            // Already installed, by the checkStops that startStop ran: installing again would
            // clear the regency's instances, and a leader would then propose them afresh.
            return;
        }
        enterRegency(regency, false);
        state.counters.increment(Counter.REGENCY_INSTALLED);
        if (!state.mayReportVotes()) {
            return; // its report would leave out votes it forgot; it reports once they are decided
        }
        reportToLeader(effects);
    }

    /** Sends this replica's STOPDATA to the leader of the installed regency, or, as that leader, collects it. */
    private void reportToLeader(Effects effects) {
        StopData mine = signedStopData();
        if (state.isLeader()) {
            stopDataBySender.put(state.id, mine);
            collectStopData(effects);
        } else {
            effects.send(state.leader(), mine);
        }
    }

    /** Resets per-regency state; {@code synced} is true when a decision of that regency proved it running. */
    void enterRegency(int regency, boolean synced) {
        state.regency = regency;
        state.stopTarget = regency;
        state.synced = synced;
        changeStartedMs = state.nowMs;
        state.instances.clear();
        validStopData.clear();
        state.sync = null;
        state.syncChosen.clear();
        state.syncConsensusId = -1;
        state.acceptWaitUntilMs = Output.NEVER;
        state.pending.restartTimers(state.nowMs);
        nextRetransmitAtMs = state.nowMs + Math.max(1, state.timeoutMs() / 2);
    }

    private StopData signedStopData() {
        Decision last = state.decisionLog.last();
        // Right after a checkpoint was installed the log is empty; the checkpoint's proof holds.
        List<Accept> proof = last != null ? last.proof()
                : state.checkpointProofId == state.lastDecided ? state.checkpointProof : List.of();
        List<VoteHistory> votes = List.copyOf(state.votes.tailMap(state.lastDecided, false).values());
        StopData unsigned = new StopData(state.id, state.regency, state.lastDecided, proof, votes, Bytes.EMPTY);
        return unsigned.withSignature(state.signer().sign(MessageCodec.signedBytes(unsigned)));
    }

    void onStopData(Effects effects, StopData data) {
        if (data.regency() > state.regency) {
            // Sent only after installing: it implies the sender's STOP for that regency.
            highestStopBy.merge(data.sender(), data.regency(), Math::max);
        }
        if (data.regency() < state.regency || state.view().leaderOf(data.regency()) != state.id) {
            state.refuse(Counter.INVALID_STOP_DATA, data, "not for a regency this replica leads");
            return;
        }
        StopData previous = stopDataBySender.get(data.sender());
        if (previous == null || previous.regency() <= data.regency()) {
            stopDataBySender.put(data.sender(), data);
        }
        if (data.regency() > state.regency) {
            checkStops(effects);
        } else if (state.synced && state.sync != null) {
            // The sender installed this regency without its SYNC (it learned of it from a
            // decision, or the SYNC was lost): it cannot vote until it has it.
            state.counters.increment(Counter.SYNC_RESENT);
            effects.send(data.sender(), state.sync);
        } else {
            collectStopData(effects);
        }
    }

    /**
     * As the new leader: once a quorum of valid STOPDATA is in and the choice rule finds it sound,
     * chooses and sends SYNC. Evidence that is not sound yet (lying reports can make it so) waits
     * for more STOPDATA; with every correct replica's report in, it is sound.
     */
    private void collectStopData(Effects effects) {
        if (state.synced || !state.isLeader() || !mayLead()) {
            return;
        }
        for (StopData data : stopDataBySender.values()) {
            if (data.regency() != state.regency || validStopData.containsKey(data.sender())) {
                continue;
            }
            String reason = data.sender() == state.id ? null : proofs.checkStopData(data, state.regency);
            if (reason == null) {
                validStopData.put(data.sender(), data);
            } else {
                state.refuse(Counter.INVALID_STOP_DATA, data, reason);
            }
        }
        if (!state.quorums().isQuorum(validStopData.keySet())) {
            return;
        }
        List<StopData> evidence = new ArrayList<>(validStopData.values());
        Proofs.Choice choice = Proofs.choose(evidence, state.quorums(), state.plantedBugs);
        if (!choice.sound()) {
            state.counters.increment(Counter.STOP_DATA_NOT_SOUND);
            return;
        }
        Sync sync = new Sync(state.id, state.regency, evidence, bound(choice));
        state.broadcast(effects, sync);
        adoptSync(effects, sync, choice);
    }

    /**
     * Whether this replica may choose and send the installed regency's SYNC: not while it
     * recovers, unless it has caught up and the regency is later than any it may have led and
     * synced before it lost its memory (so it cannot contradict a SYNC of its own); that is what
     * lets a cluster whose replicas all restarted at once start again.
     */
    private boolean mayLead() {
        return !state.recovering
                || (state.caughtUpWhileRecovering && state.mayReportVotes() && state.regency > state.voteFloorRegency);
    }

    void onSync(Effects effects, Sync sync) {
        if (sync.regency() < state.regency || (sync.regency() == state.regency && state.synced)) {
            return; // a replay, or a retransmission already processed
        }
        Proofs.Choice choice = Proofs.choose(sync.proofs(), state.quorums(), state.plantedBugs);
        String reason = checkSync(sync, choice);
        if (reason != null) {
            state.refuse(Counter.INVALID_SYNC, sync, reason);
            return;
        }
        if (sync.regency() > state.regency) {
            enterRegency(sync.regency(), false);
            state.counters.increment(Counter.REGENCY_INSTALLED);
        }
        adoptSync(effects, sync, choice);
    }

    /** Null if {@code sync} holds, with {@code choice} the choice rule run on its evidence. */
    private String checkSync(Sync sync, Proofs.Choice choice) {
        if (sync.sender() != state.view().leaderOf(sync.regency())) {
            return "SYNC from " + sync.sender() + ", who does not lead regency " + sync.regency();
        }
        Set<Integer> senders = new HashSet<>();
        for (StopData data : sync.proofs()) {
            if (!senders.add(data.sender())) {
                return "SYNC counts replica " + data.sender() + " twice";
            }
            String reason = proofs.checkStopData(data, sync.regency());
            if (reason != null) {
                return reason;
            }
        }
        if (!state.quorums().isQuorum(senders)) {
            return "SYNC evidence is not a quorum: " + senders;
        }
        if (!choice.sound()) {
            return "SYNC evidence is not sound: no value binds and too few replicas accepted nothing";
        }
        if (!bound(choice).equals(sync.chosen())) {
            return "SYNC's chosen values break the choice rule";
        }
        return null;
    }

    private static List<Sync.Bound> bound(Proofs.Choice choice) {
        List<Sync.Bound> bound = new ArrayList<>(choice.chosen().size());
        choice.chosen().forEach((consensusId, value) -> bound.add(new Sync.Bound(consensusId, value)));
        return bound;
    }

    private void adoptSync(Effects effects, Sync sync, Proofs.Choice choice) {
        state.synced = true;
        state.sync = sync;
        state.syncChosen.clear();
        state.syncChosen.putAll(choice.chosen());
        state.syncConsensusId = choice.maxLastDecided() + 1;
        if (choice.maxLastDecided() > state.lastDecided) {
            state.noteAhead(choice.mostAdvancedSender(), choice.maxLastDecided());
            fetchDue = true;
        }
        progressDue = true;
    }

    /**
     * This replica decided the last instance of a view and votes from now on in the next view's
     * instances ({@link ReplicaState#viewEntered}). In regency 0 nobody can have voted in them
     * in an earlier regency, so the new view's leader proposes at once. In a later regency, a
     * replica that entered the view before may have voted in them in an earlier regency, and
     * only the new view's members know of it: the regency's SYNC, gathered in the old view,
     * binds nothing there. So the replica leaves the normal case and reports to the new view's
     * leader of the same regency, which gathers a quorum of the new view and sends its SYNC, as
     * in a leader change but without a new regency (docs/PROTOCOL.md, "Reconfiguration").
     */
    void onViewEntered(Effects effects) {
        validStopData.clear();
        stopDataBySender.clear();
        state.counters.increment(Counter.VIEW_ENTERED);
        if (state.regency == 0) {
            return;
        }
        state.synced = false;
        state.sync = null;
        state.syncChosen.clear();
        state.syncConsensusId = -1;
        state.instances.clear();
        state.acceptWaitUntilMs = Output.NEVER;
        changeStartedMs = state.nowMs;
        if (!state.view().contains(state.id)) {
            return; // removed: it takes no part in the new view, and holds no key of it to sign with
        }
        if (state.stopTarget == state.regency && state.mayReportVotes()) {
            reportToLeader(effects);
        }
    }

    /** Whether {@code sync}'s evidence was gathered in the view in force (its STOPDATAs' senders vote in it). */
    private boolean ofViewInForce(Sync sync) {
        for (StopData data : sync.proofs()) {
            io.phalanx.core.view.View view = state.viewAt(data.lastDecided() + 1);
            if (view == null || view.id() != state.view().id()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes up the hard state a replica kept durable before it restarted: its regency (with the
     * SYNC that bound its first values, so a leader never chooses a second one), the STOP it sent,
     * and its votes in the undecided instances.
     */
    void restore(HardState hard) {
        enterRegency(hard.regency(), hard.regency() == 0);
        state.stopTarget = hard.stopTarget();
        if (hard.stopTarget() > hard.regency()) {
            highestStopBy.put(state.id, hard.stopTarget());
        }
        state.votes.putAll(hard.votes());
        Sync sync = hard.sync();
        if (sync != null && !ofViewInForce(sync)) {
            // Its decisions after the SYNC entered another view, whose leader gathers a SYNC of its own.
            state.synced = false;
        } else if (sync != null) {
            Proofs.Choice choice = Proofs.choose(sync.proofs(), state.quorums(), state.plantedBugs);
            state.synced = true;
            state.sync = sync;
            state.syncChosen.putAll(choice.chosen().tailMap(state.lastDecided + 1));
            state.syncConsensusId = choice.maxLastDecided() + 1;
            state.noteAhead(choice.mostAdvancedSender(), choice.maxLastDecided());
        }
    }

    /**
     * A decision proved that regency {@code epoch} is running: join it, silent until its SYNC
     * arrives. Its SYNC may have bound values for instances after the one decided (several are
     * open at once), so voting without it could contradict them; the STOPDATA sent to its leader
     * asks for the SYNC.
     */
    void adoptRunningRegency(Effects effects, int epoch) {
        if (epoch > state.regency) {
            enterRegency(epoch, false);
            state.counters.increment(Counter.REGENCY_INSTALLED);
            if (!state.isLeader() && state.mayReportVotes()) {
                effects.send(state.leader(), signedStopData());
            }
        }
    }

    private int lastDecisionEpoch() {
        Decision last = state.decisionLog.last();
        return last == null ? -1 : last.epoch();
    }

    /**
     * Resends what peers may have lost: the STOP, STOPDATA or SYNC of the change in progress, and
     * (a follow-up) this replica's votes in the open instances.
     */
    private void retransmit(Effects effects) {
        if (state.stopTarget > state.regency) {
            state.broadcast(effects, stopMessage());
        } else if (!state.synced && !state.isLeader() && state.mayReportVotes()) {
            effects.send(state.leader(), signedStopData());
        } else if (state.sync != null && state.isLeader() && lastDecisionEpoch() < state.regency) {
            state.broadcast(effects, state.sync);
        }
        retransmitDue = true;
    }
}
