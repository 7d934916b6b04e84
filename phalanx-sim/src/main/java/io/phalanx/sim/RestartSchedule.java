package io.phalanx.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Plays a run's {@link RestartPlan}: each chain restarts one correct replica at a time, at any
 * moment (some right after the replica sent a PROPOSE, WRITE or ACCEPT, with its votes in flight),
 * keeps it down for a while, brings it back recovering, and starts the next restart only once
 * it has recovered, so the chain holds one of the f faulty-replica slots throughout. Replicas
 * that will crash for good are never restarted (they hold slots of their own).
 */
final class RestartSchedule {
    /** How long an armed restart waits for the victim's next vote before it takes it down anyway. */
    private static final long VOTE_WAIT_MAX_MS = 2_000;
    /** How long a chain waits before it tries again when no replica can be restarted. */
    private static final long RETRY_MS = 100;
    /** Longest pause between a recovery and the chain's next restart. */
    private static final long PAUSE_MAX_MS = 1_000;

    private final SimConfig config;
    private final EventQueue queue;
    private final SplittableRandom random;
    private final Set<Fault> fired;
    private final List<SimReplica> candidates;
    private final IntSupplier currentLeader;
    private final BooleanSupplier clientsDone;
    /** Replicas some chain has restarted and that have not recovered yet. */
    private final Set<SimReplica> busy = new HashSet<>();

    /** One sequence of restarts, one at a time. */
    private final class Chain {
        final int count;
        int done;
        SimReplica same;
        int nextInTurn;

        Chain(int count) {
            this.count = count;
        }
    }

    RestartSchedule(SimConfig config, EventQueue queue, SplittableRandom random, Set<Fault> fired,
                    List<SimReplica> candidates, IntSupplier currentLeader, BooleanSupplier clientsDone) {
        this.config = config;
        this.queue = queue;
        this.random = random;
        this.fired = fired;
        this.candidates = List.copyOf(candidates);
        this.currentLeader = currentLeader;
        this.clientsDone = clientsDone;
    }

    void schedule() {
        RestartPlan plan = config.restarts();
        if (!plan.any() || candidates.isEmpty()) {
            return;
        }
        long firstBefore = Math.max(config.gstMs(), 3_000);
        for (int i = 0; i < plan.chains(); i++) {
            int count = plan.pattern() == RestartPlan.Pattern.EVERY_REPLICA_IN_TURN ? candidates.size() : plan.perChain();
            Chain chain = new Chain(count);
            chain.nextInTurn = random.nextInt(candidates.size());
            queue.at(random.nextLong(firstBefore), () -> next(chain));
        }
    }

    private void next(Chain chain) {
        if (chain.done >= chain.count || clientsDone.getAsBoolean()
                || queue.now() > config.gstMs() + RestartPlan.HORIZON_AFTER_GST_MS) {
            return;
        }
        if (config.restarts().pattern() == RestartPlan.Pattern.EVERY_REPLICA_AT_ONCE) {
            restartAll(chain);
            return;
        }
        SimReplica victim = pick(chain);
        if (victim == null) {
            queue.at(queue.now() + RETRY_MS, () -> next(chain));
            return;
        }
        busy.add(victim);
        Fault diskFault = diskFault();
        if (diskFault == Fault.MISDIRECTED_WRITE) {
            victim.misdirectNextWrite(); // the vote's record goes astray, then the replica crashes
        }
        if (diskFault == Fault.MISDIRECTED_WRITE || random.nextInt(100) < config.restarts().onVotePercent()) {
            boolean[] taken = {false};
            Runnable takeDown = () -> {
                if (!taken[0]) {
                    taken[0] = true;
                    restart(chain, victim, diskFault);
                }
            };
            victim.afterNextVote(takeDown);
            queue.at(queue.now() + VOTE_WAIT_MAX_MS, takeDown::run);
        } else {
            restart(chain, victim, diskFault);
        }
    }

    /** The next victim, or null if none can be restarted now. */
    private SimReplica pick(Chain chain) {
        List<SimReplica> eligible = new ArrayList<>();
        for (SimReplica r : candidates) {
            if (r.running() && !r.recovering() && !busy.contains(r)) {
                eligible.add(r);
            }
        }
        if (eligible.isEmpty()) {
            return null;
        }
        return switch (config.restarts().pattern()) {
            case SAME_REPLICA -> {
                if (chain.same == null) {
                    chain.same = eligible.get(random.nextInt(eligible.size()));
                }
                yield eligible.contains(chain.same) ? chain.same : null;
            }
            case EVERY_REPLICA_IN_TURN -> {
                SimReplica turn = candidates.get((chain.nextInTurn + chain.done) % candidates.size());
                yield eligible.contains(turn) ? turn : null;
            }
            case LEADER -> {
                int leader = currentLeader.getAsInt();
                yield eligible.stream().filter(r -> r.id == leader).findFirst()
                        .orElse(eligible.get(random.nextInt(eligible.size())));
            }
            case FOLLOWER -> {
                int leader = currentLeader.getAsInt();
                List<SimReplica> followers = eligible.stream().filter(r -> r.id != leader).toList();
                yield followers.isEmpty() ? null : followers.get(random.nextInt(followers.size()));
            }
            case RANDOM -> eligible.get(random.nextInt(eligible.size()));
            case NONE, EVERY_REPLICA_AT_ONCE -> null;
        };
    }

    private void restart(Chain chain, SimReplica victim, Fault diskFault) {
        if (!victim.running()) {
            busy.remove(victim); // it crashed meanwhile (cannot happen: crash victims are not candidates)
            return;
        }
        fired.add(Fault.RESTART);
        goDown(victim);
        if (diskFault != null && diskFault != Fault.MISDIRECTED_WRITE) {
            fired.add(diskFault); // applied while it is down
        }
        queue.at(queue.now() + downMs(), () -> victim.comeBack(diskFault, () -> {
            busy.remove(victim);
            chain.done++;
            queue.at(queue.now() + random.nextLong(PAUSE_MAX_MS), () -> next(chain));
        }));
    }

    private long downMs() {
        long downMax = config.restarts().downMaxMs();
        return 1 + random.nextLong(1 + (random.nextBoolean() ? downMax / 10 : downMax));
    }

    /** The disk fault this restart's victim suffers, or null: one of the plan's, in its share of restarts. */
    private Fault diskFault() {
        RestartPlan plan = config.restarts();
        if (plan.diskFaultPercent() == 0 || random.nextInt(100) >= plan.diskFaultPercent()) {
            return null;
        }
        List<Fault> faults = plan.diskFaults().stream().sorted().toList();
        return faults.get(random.nextInt(faults.size()));
    }

    /** Takes {@code victim} down, noting whether its disk lost or tore writes. */
    private void goDown(SimReplica victim) {
        SimReplica.DiskLoss loss = victim.goDown();
        if (loss.tornWrites() > 0 || loss.writesLost() > 0) {
            fired.add(Fault.TORN_WRITE);
        }
        if (loss.misdirectedWrites() > 0) {
            fired.add(Fault.MISDIRECTED_WRITE);
        }
    }

    /**
     * Takes every running correct replica down at the same instant and brings them all back
     * together: the whole cluster restarts from its disks (durability sync), and the next
     * restart of the chain waits until every one of them is back.
     */
    private void restartAll(Chain chain) {
        List<SimReplica> victims = candidates.stream().filter(SimReplica::running).toList();
        if (victims.isEmpty()) {
            queue.at(queue.now() + RETRY_MS, () -> next(chain));
            return;
        }
        if (random.nextInt(100) < config.restarts().onVotePercent()) {
            // Every replica goes down right after the next reply to a client leaves: what that
            // reply acknowledged must survive whatever was not synced yet.
            boolean[] taken = {false};
            Runnable takeDown = () -> {
                if (!taken[0]) {
                    taken[0] = true;
                    victims.forEach(v -> v.afterNextReply(null));
                    restartAllNow(chain, candidates.stream().filter(SimReplica::running).toList());
                }
            };
            victims.forEach(v -> v.afterNextReply(takeDown));
            queue.at(queue.now() + VOTE_WAIT_MAX_MS, takeDown::run);
            return;
        }
        restartAllNow(chain, victims);
    }

    private void restartAllNow(Chain chain, List<SimReplica> victims) {
        if (victims.isEmpty()) {
            queue.at(queue.now() + RETRY_MS, () -> next(chain));
            return;
        }
        fired.add(Fault.RESTART);
        fired.add(Fault.RESTART_ALL);
        busy.addAll(victims);
        victims.forEach(this::goDown);
        int[] back = {0};
        queue.at(queue.now() + downMs(), () -> {
            for (SimReplica victim : victims) {
                victim.comeBack(null, () -> {
                    busy.remove(victim);
                    if (++back[0] == victims.size()) {
                        chain.done++;
                        queue.at(queue.now() + random.nextLong(PAUSE_MAX_MS), () -> next(chain));
                    }
                });
            }
        });
    }
}
