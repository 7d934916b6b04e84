package io.phalanx.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;

/**
 * Puts a run's timed faults on the event queue: crashes (any replica, the leader included, at
 * any time up to a second after GST), partitions that split the replicas in two and heal, and
 * the leader cut off from some followers for a while. Every network fault heals by GST.
 */
final class FaultSchedule {
    private final SimConfig config;
    private final EventQueue queue;
    private final Trace trace;
    private final SimNetwork network;
    private final SplittableRandom random;
    private final Set<Fault> fired;
    private final List<SimReplica> crashVictims = new ArrayList<>();

    FaultSchedule(SimConfig config, EventQueue queue, Trace trace, SimNetwork network, SplittableRandom random,
                  Set<Fault> fired) {
        this.config = config;
        this.queue = queue;
        this.trace = trace;
        this.network = network;
        this.random = random;
        this.fired = fired;
    }

    void schedule(List<SimReplica> crashable, IntSupplier currentLeader) {
        scheduleCrashes(crashable);
        for (int i = 0; i < config.partitions(); i++) {
            schedulePartition();
        }
        if (config.leaderIsolation()) {
            scheduleLeaderIsolation(currentLeader);
        }
        if (config.gstMs() > 0) {
            queue.at(config.gstMs(), () -> {
                network.healAll();
                trace.record(queue.now(), 0x657L, () -> "GST: from now on no loss, no partitions, bounded delays");
            });
        }
    }

    private void scheduleCrashes(List<SimReplica> crashable) {
        List<SimReplica> candidates = new ArrayList<>(crashable);
        long horizon = config.gstMs() + 1_000;
        for (int i = 0; i < config.crashes() && !candidates.isEmpty(); i++) {
            SimReplica victim = candidates.remove(random.nextInt(candidates.size()));
            crashVictims.add(victim);
            queue.at(random.nextLong(horizon), () -> {
                fired.add(Fault.CRASH);
                victim.crash();
            });
        }
    }

    /** The replicas that will crash for good (restarts leave them alone: each uses its own slot of f). */
    List<SimReplica> crashVictims() {
        return crashVictims;
    }

    private void schedulePartition() {
        long start = random.nextLong(Math.max(1, config.gstMs()));
        long end = start + random.nextLong(Math.max(1, config.gstMs() - start));
        List<Integer> sideA = new ArrayList<>();
        List<Integer> sideB = new ArrayList<>();
        for (int id = 0; id < config.replicas(); id++) {
            (random.nextBoolean() ? sideA : sideB).add(id);
        }
        if (sideA.isEmpty() || sideB.isEmpty()) {
            return;
        }
        queue.at(start, () -> {
            fired.add(Fault.PARTITION);
            trace.record(queue.now(), sideA.hashCode() * 31L + sideB.hashCode(), () -> "PARTITION " + sideA + " | " + sideB);
            cutBetween(sideA, sideB, true);
        });
        queue.at(end, () -> {
            trace.record(queue.now(), sideA.hashCode() * 37L + sideB.hashCode(), () -> "HEAL " + sideA + " | " + sideB);
            cutBetween(sideA, sideB, false);
        });
    }

    private void scheduleLeaderIsolation(IntSupplier currentLeader) {
        long start = random.nextLong(Math.max(1, config.gstMs()));
        long end = start + random.nextLong(Math.max(1, config.gstMs() - start));
        int followersCut = 1 + random.nextInt(Math.max(1, config.replicas() / 2));
        queue.at(start, () -> {
            int leader = currentLeader.getAsInt();
            List<Integer> cut = new ArrayList<>();
            for (int id = 0; id < config.replicas() && cut.size() < followersCut; id++) {
                if (id != leader && random.nextBoolean()) {
                    cut.add(id);
                }
            }
            if (cut.isEmpty()) {
                return;
            }
            fired.add(Fault.LEADER_ISOLATION);
            trace.record(queue.now(), leader * 31L + cut.hashCode(), () -> "LEADER r" + leader + " CUT OFF from " + cut);
            cutBetween(List.of(leader), cut, true);
            queue.at(Math.max(end, queue.now()), () -> {
                trace.record(queue.now(), leader * 37L + cut.hashCode(), () -> "LEADER r" + leader + " RECONNECTED to " + cut);
                cutBetween(List.of(leader), cut, false);
            });
        });
    }

    private void cutBetween(List<Integer> a, List<Integer> b, boolean cut) {
        for (int x : a) {
            for (int y : b) {
                network.cut(x, y, cut);
                network.cut(y, x, cut);
            }
        }
    }
}
