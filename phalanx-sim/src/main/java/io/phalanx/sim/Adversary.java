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
 * network picks one consensus instance (the first proposed after a random start time) and, per
 * epoch of that instance, decides who hears its votes. The schedules ({@link Fault.Kind#ADVERSARY})
 * combine freely:
 *
 * <ul>
 *   <li>{@link Fault#HIDDEN_DECISION}: the instance's ACCEPTs reach a minority only; a replica
 *       that decides it is cut off from every other replica until GST, before it can tell anyone
 *       (no STOP, STOPDATA or decision push leaves it). Invariant aimed at: a value decided by
 *       replicas that are all missing from the next STOPDATA quorum must still be bound there
 *       (agreement through the write certificate, BFT, or the highest acceptance, CFT).</li>
 *   <li>{@link Fault#STALE_VOTES}: the instance's PROPOSE (or, BFT, its WRITEs) reaches a minority
 *       only: values written or accepted by a few, different ones in different epochs. Aimed at:
 *       the rule's ranking by epoch (the latest acceptance wins, an older one is stale).</li>
 *   <li>{@link Fault#SLOW_WITNESSES}: the STOPDATAs of the replicas that voted most recently on
 *       the instance are lost on the way to the new leader, as many as still leave a quorum.
 *       Aimed at: the rule's soundness with the least informative legal evidence.</li>
 * </ul>
 *
 * <p>Within the model: it only loses messages and cuts links before GST (from GST on the network
 * heals and delivers everything), it cuts off at most n minus a quorum replicas, so a quorum stays
 * connected, and it makes no replica faulty. Masks apply to the first epoch of the instance and,
 * with probability one half each, to every later one. Randomness comes from its own stream
 * derived from the seed, so runs without schedules are what they were before.
 */
final class Adversary {
    /** Who may hear a kind of vote in one epoch; null means everyone. */
    private record Masks(Set<Integer> proposeTo, Set<Integer> writeTo, Set<Integer> acceptTo) {
    }

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
    private final long startMs;
    private long target = -1;
    private int firstEpoch = -1;
    private final Map<Integer, Masks> masks = new HashMap<>();
    private final Set<Integer> cutOff = new TreeSet<>();
    /** Per replica, the highest epoch it was seen accepting (resp. writing) the target in. */
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
        this.startMs = schedules.isEmpty() ? 0 : random.nextLong(Math.max(1, config.gstMs() / 3));
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
        if (target < 0 && vote instanceof Propose && queue.now() >= startMs) {
            target = vote.consensusId();
            firstEpoch = vote.epoch();
            trace.record(queue.now(), 0xAD1L * 31 + target, () -> "ADVERSARY targets cid=" + target + " " + schedules);
        }
        if (vote.consensusId() != target || vote.epoch() < firstEpoch) {
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
        Set<Integer> acceptTo = schedules.contains(Fault.HIDDEN_DECISION) && (first || random.nextBoolean())
                ? minority(1) : null;
        Set<Integer> proposeTo = null;
        Set<Integer> writeTo = null;
        if (schedules.contains(Fault.STALE_VOTES) && (first || random.nextBoolean())) {
            if (view.mode() == Mode.BFT && random.nextBoolean()) {
                writeTo = minority(0);
            } else {
                proposeTo = minority(0);
            }
        }
        Masks drawn = new Masks(proposeTo, writeTo, acceptTo);
        trace.record(queue.now(), 0xAD2L * 31 + epoch * 7L + drawn.hashCode(), () -> "ADVERSARY cid=" + target
                + " epoch " + epoch + ": PROPOSE to " + all(drawn.proposeTo()) + ", WRITE to " + all(drawn.writeTo())
                + ", ACCEPT to " + all(drawn.acceptTo()));
        return drawn;
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
