package io.phalanx.sim;

import io.phalanx.core.message.Accept;
import io.phalanx.core.message.ConsensusMessage;
import io.phalanx.core.message.Message;
import io.phalanx.core.message.Propose;
import io.phalanx.core.message.StopData;
import io.phalanx.core.message.Write;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.IntToLongFunction;

/**
 * Adversarial scheduling aimed at the situations the leader-change choice rule exists for, in the
 * spirit of Twins' scenario enumeration: instead of waiting for random loss to produce them, the
 * network picks one consensus instance (one of the first few proposed; with pipelining, also a
 * few after it) and, per epoch, decides who hears their votes. The schedules ({@link Fault.Kind#ADVERSARY})
 * combine freely:
 *
 * <ul>
 *   <li>{@link Fault#HIDDEN_DECISION}: the instance's ACCEPTs reach a minority only; a replica
 *       that decides it is cut off from every other replica until GST, before it can tell anyone
 *       (no STOP, STOPDATA or decision push leaves it). Invariant aimed at: a value decided by
 *       replicas that are all missing from the next STOPDATA quorum must still be bound there
 *       (agreement through the reported acceptances and writes, BFT, or the highest acceptance,
 *       CFT).</li>
 *   <li>{@link Fault#STALE_VOTES}: in its first epoch the instance's PROPOSE (or, BFT, its WRITEs)
 *       reaches a minority only, so a value is written or accepted by a few; in later epochs the
 *       replicas that voted before do not hear the new PROPOSE, so their old votes stay what they
 *       report while others vote for a newer value. Aimed at: the rule's ranking by epoch (the
 *       latest acceptance wins, an older one is stale).</li>
 *   <li>{@link Fault#SLOW_WITNESSES}: the STOPDATAs of the replicas that voted most recently on
 *       the instance are lost on the way to the new leader, as many as still leave a quorum.
 *       Aimed at: the rule's soundness with the least informative legal evidence.</li>
 * </ul>
 *
 * <p>Within the model: it only loses messages and cuts links before GST (from GST on the network
 * heals and delivers everything), it cuts off at most n minus a quorum replicas, so a quorum stays
 * connected, and it makes no replica faulty. ACCEPT masks apply to every epoch until a decider
 * has been cut off, then to half of them. Randomness comes from its own stream
 * derived from the seed, so runs without schedules are what they were before.
 */
final class Adversary {
    /** Who may hear a kind of vote in one epoch; null means everyone. */
    private record Masks(Set<Integer> proposeTo, Set<Integer> writeTo, Set<Integer> acceptTo) {
    }

    /** The highest consensus id from which the target is drawn. */
    private static final int FIRST_TARGET_MAX = 10;

    private final SimConfig config;
    private final View view;
    private final Set<Fault> schedules;
    private final SplittableRandom random;
    private final Trace trace;
    private final EventQueue queue;
    private final Set<Fault> fired;
    /** The highest consensus id replica {@code id} decided (over both twins of an identity). */
    private final IntToLongFunction lastDecided;
    /** Replicas cut off and lost messages may total at most n minus a quorum, so a quorum stays connected. */
    private final int budget;
    /** The target is the first instance proposed from this consensus id on (early: runs are short). */
    private final long fromConsensusId;
    /**
     * How many instances from the target on the masks cover: with several open at once, a leader
     * change may find some of them bound and others free.
     */
    private final int span;
    private long target = -1;
    private int firstEpoch = -1;
    private final Map<Integer, Masks> masks = new HashMap<>();
    private final Set<Integer> cutOff = new TreeSet<>();
    /** Per replica, the highest epoch it was seen accepting (resp. writing) a targeted instance in. */
    private final Map<Integer, Integer> acceptedEpoch = new HashMap<>();
    private final Map<Integer, Integer> writtenEpoch = new HashMap<>();
    /** Per regency, the replicas whose STOPDATA its leader does not get. */
    private final Map<Integer, Set<Integer>> slowBy = new HashMap<>();

    Adversary(SimConfig config, Trace trace, EventQueue queue, Set<Fault> fired, IntToLongFunction lastDecided) {
        this.config = config;
        this.view = config.view();
        this.schedules = config.adversaries();
        this.random = new SplittableRandom(config.seed() ^ 0xADE5A7L);
        this.trace = trace;
        this.queue = queue;
        this.fired = fired;
        this.lastDecided = lastDecided;
        this.budget = config.replicas() - view.quorums().quorumSize();
        this.fromConsensusId = schedules.isEmpty() ? 0 : random.nextInt(FIRST_TARGET_MAX + 1);
        this.span = schedules.isEmpty() ? 1 : 1 + random.nextInt(config.pipelineMax());
    }

    /**
     * Whether a message from replica {@code from} to replica {@code to} may go through now; only
     * asked before GST. May cut {@code from} off first, if it decided the target.
     */
    boolean admits(int from, int to, Message message) {
        if (schedules.isEmpty() || from < 0 || to < 0) {
            return true;
        }
        cutOffIfDecided(from);
        if (cutOff.contains(from) || cutOff.contains(to)) {
            return false;
        }
        if (message instanceof ConsensusMessage c) {
            return admitsVote(to, c);
        }
        if (message instanceof StopData d && schedules.contains(Fault.SLOW_WITNESSES) && target >= 0
                && to == view.leaderOf(d.regency())) {
            boolean slow = slowFor(d.regency()).contains(from);
            if (slow) {
                fired.add(Fault.SLOW_WITNESSES);
            }
            return !slow;
        }
        return true;
    }

    private void cutOffIfDecided(int from) {
        if (target < 0 || cutOff.contains(from) || !schedules.contains(Fault.HIDDEN_DECISION)
                || cutOff.size() >= budget || lastDecided.applyAsLong(from) < target) {
            return;
        }
        cutOff.add(from);
        fired.add(Fault.HIDDEN_DECISION);
        trace.record(queue.now(), 0xAD0L * 31 + from, () -> "ADVERSARY cuts off r" + from
                + ", which decided cid=" + target + ", until GST");
    }

    private boolean admitsVote(int to, ConsensusMessage vote) {
        if (target < 0 && vote instanceof Propose && vote.consensusId() >= fromConsensusId) {
            target = vote.consensusId();
            firstEpoch = vote.epoch();
            trace.record(queue.now(), 0xAD1L * 31 + target, () -> "ADVERSARY targets cid=" + target
                    + (span > 1 ? ".." + (target + span - 1) : "") + " " + schedules);
        }
        if (vote.consensusId() < target || vote.consensusId() >= target + span || vote.epoch() < firstEpoch) {
            return true;
        }
        if (vote instanceof Accept) {
            acceptedEpoch.merge(vote.sender(), vote.epoch(), Math::max);
        } else if (vote instanceof Write) {
            writtenEpoch.merge(vote.sender(), vote.epoch(), Math::max);
        }
        Masks m = masks.computeIfAbsent(vote.epoch(), this::drawMasks);
        Set<Integer> allowed = vote instanceof Propose ? m.proposeTo() : vote instanceof Write ? m.writeTo() : m.acceptTo();
        if (allowed == null || allowed.contains(to)) {
            return true;
        }
        fired.add(vote instanceof Accept ? Fault.HIDDEN_DECISION : Fault.STALE_VOTES);
        return false;
    }

    private Masks drawMasks(int epoch) {
        boolean first = epoch == firstEpoch;
        // ACCEPTs go to a minority until some decider is cut off, then in half the epochs.
        Set<Integer> acceptTo = schedules.contains(Fault.HIDDEN_DECISION)
                && (first || cutOff.isEmpty() || random.nextBoolean()) ? minority(1) : null;
        Set<Integer> proposeTo = null;
        Set<Integer> writeTo = null;
        if (schedules.contains(Fault.STALE_VOTES) && first) {
            if (view.mode() == Mode.BFT && random.nextBoolean()) {
                writeTo = minority(0);
            } else {
                proposeTo = minority(0);
            }
        } else if (schedules.contains(Fault.STALE_VOTES)) {
            proposeTo = withoutStaleVoters();
        }
        Masks drawn = new Masks(proposeTo, writeTo, acceptTo);
        trace.record(queue.now(), 0xAD2L * 31 + epoch * 7L + drawn.hashCode(), () -> "ADVERSARY cid=" + target
                + " epoch " + epoch + ": PROPOSE to " + all(drawn.proposeTo()) + ", WRITE to " + all(drawn.writeTo())
                + ", ACCEPT to " + all(drawn.acceptTo()));
        return drawn;
    }

    /**
     * Everyone but the replicas that voted in an earlier epoch (at most the budget of them, so a
     * quorum still hears the proposal): their old votes stay what they report. Null if none voted.
     */
    private Set<Integer> withoutStaleVoters() {
        Set<Integer> stale = new TreeSet<>(acceptedEpoch.keySet());
        stale.addAll(writtenEpoch.keySet());
        if (stale.isEmpty()) {
            return null;
        }
        Set<Integer> hearing = new TreeSet<>();
        int excluded = 0;
        for (int id = 0; id < config.replicas(); id++) {
            if (stale.contains(id) && excluded < budget) {
                excluded++;
            } else {
                hearing.add(id);
            }
        }
        return hearing;
    }

    private static String all(Set<Integer> mask) {
        return mask == null ? "all" : mask.toString();
    }

    /** A random set of between {@code least} and {@code budget} replicas. */
    private Set<Integer> minority(int least) {
        List<Integer> members = new ArrayList<>();
        for (int id = 0; id < config.replicas(); id++) {
            members.add(id);
        }
        for (int i = members.size() - 1; i > 0; i--) {
            Collections.swap(members, i, random.nextInt(i + 1));
        }
        int size = least + random.nextInt(Math.max(1, budget - least + 1));
        return new TreeSet<>(members.subList(0, Math.min(size, members.size())));
    }

    /**
     * The replicas whose STOPDATA for {@code regency} is lost: the most informed about the target
     * (decided, then highest epoch accepted, then highest written), never the leader itself, as
     * many as the budget leaves after the replicas already cut off. Fixed at the first STOPDATA.
     */
    private Set<Integer> slowFor(int regency) {
        return slowBy.computeIfAbsent(regency, r -> {
            int leader = view.leaderOf(r);
            List<Integer> informed = new ArrayList<>();
            for (int id = 0; id < config.replicas(); id++) {
                if (id != leader && !cutOff.contains(id) && (lastDecided.applyAsLong(id) >= target
                        || acceptedEpoch.containsKey(id) || writtenEpoch.containsKey(id))) {
                    informed.add(id);
                }
            }
            informed.sort(Comparator.<Integer>comparingInt(id -> lastDecided.applyAsLong(id) >= target ? 1 : 0)
                    .thenComparingInt(id -> acceptedEpoch.getOrDefault(id, -1))
                    .thenComparingInt(id -> writtenEpoch.getOrDefault(id, -1)).reversed());
            Set<Integer> slow = new TreeSet<>(informed.subList(0, Math.min(informed.size(),
                    Math.max(0, budget - cutOff.size()))));
            if (!slow.isEmpty()) {
                trace.record(queue.now(), 0xAD3L * 31 + r * 7L + slow.hashCode(), () -> "ADVERSARY loses the STOPDATA of "
                        + slow + " on the way to r" + leader + " (regency " + r + ")");
            }
            return slow;
        });
    }
}
