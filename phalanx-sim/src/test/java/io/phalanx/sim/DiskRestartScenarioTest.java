package io.phalanx.sim;

import io.phalanx.core.view.Mode;
import io.phalanx.sim.check.ReplicaHistory;
import io.phalanx.sim.check.Vote;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas that restart from their simulated disks ({@link RestartPlan.Disk}), in the situations
 * durability exists for. Each runs calm seeds of CFT n=3 and BFT n=4, asserts that the situation
 * really happened, and that every invariant held: agreement, exactly-once, linearizability, the
 * vote-once checker across incarnations, and nothing acknowledged lost.
 */
class DiskRestartScenarioTest {

    /** A calm run long enough (about 6 s simulated) for restarts drawn in its first 3 s to land. */
    private static SimConfig calm(long seed) {
        Mode mode = seed % 2 == 0 ? Mode.BFT : Mode.CFT;
        return SimConfig.calm(seed, mode, mode == Mode.BFT ? 4 : 3).withOperationsPerClient(500);
    }

    private static SimResult run(SimConfig config) {
        SimResult result = new Simulation(config, true).run();
        assertThat(result.violations()).as("seed %d", config.seed()).isEmpty();
        assertThat(result.operationsCompleted()).as("seed %d", config.seed()).isEqualTo(result.operationsInvoked());
        return result;
    }

    private static long count(List<String> trace, String text) {
        return trace.stream().filter(line -> line.contains(text)).count();
    }

    private static List<ReplicaHistory> laterIncarnations(SimResult result) {
        return result.history().replicas().stream().filter(h -> h.incarnation() > 0).toList();
    }

    @Test
    void aLeaderRestartedMidInstanceFromItsDiskVotesAtOnceWithoutEquivocating() {
        // Down right after a PROPOSE, WRITE or ACCEPT left, back within 50 ms while the others still
        // vote on what it said: it resumes from its log and must say nothing else in that epoch. A
        // PROPOSE leaves before the leader's own vote is synced, so a crash right after one can
        // tear that write; the torn record is cut, and the replica still restores.
        int voted = 0;
        for (long seed = 1; seed <= 8; seed++) {
            SimConfig config = calm(seed).withJitter(10, 20).withRestarts(
                    new RestartPlan(RestartPlan.Pattern.LEADER, 1, 3, 100, 50).withDisk(RestartPlan.Disk.SYNC, 0, Set.of()));
            SimResult result = run(config);
            assertThat(count(result.trace(), " RESTORED from its disk")).as("seed %d", seed)
                    .isEqualTo(count(result.trace(), " COMES BACK "));
            voted += laterIncarnations(result).stream()
                    .anyMatch(h -> h.votes().stream().anyMatch(v -> v.kind() != Vote.Kind.PROPOSE)) ? 1 : 0;
        }
        assertThat(voted).as("seeds where a restored replica voted again").isGreaterThanOrEqualTo(4);
    }

    @Test
    void everyReplicaRestartedAtOnceLosesNoAcknowledgedWrite() {
        for (long seed = 1; seed <= 6; seed++) {
            SimConfig config = calm(seed).withRestarts(new RestartPlan(RestartPlan.Pattern.EVERY_REPLICA_AT_ONCE, 1, 2, 0,
                    500, RestartPlan.Disk.SYNC, 0, Set.of()));
            SimResult result = run(config);
            assertThat(result.firedFaults()).as("seed %d", seed).contains(Fault.RESTART_ALL);
            // Every replica came back at once, and the linearizability checker saw every
            // acknowledged write in the reads after. A sync disk syncs a little after the step, so
            // a crash can tear the last write; the torn record was never synced, so the replica
            // whose log tail was cut restores like every other one.
            assertThat(count(result.trace(), " COMES BACK ")).as("seed %d", seed).isGreaterThanOrEqualTo(config.replicas());
            assertThat(count(result.trace(), " RECOVERING from its disk")).as("seed %d", seed).isZero();
            assertThat(count(result.trace(), " RESTORED from its disk")).as("seed %d", seed)
                    .isEqualTo(count(result.trace(), " COMES BACK "));
        }
    }

    /**
     * Every replica goes down right after a reply leaves, with records of that very instance
     * perhaps not synced anywhere yet. A reply waits only for its replica's own ACCEPT to be
     * durable (the decision's record may be lost), so what it acknowledged must come back from
     * the votes alone: the linearizability checker sees every acknowledged write in later reads.
     */
    @Test
    void everyReplicaRestartedAtOnceRightAfterAReplyLosesNothingItAcknowledged() {
        int afterReply = 0;
        for (long seed = 1; seed <= 12; seed++) {
            SimConfig config = calm(seed).withJitter(1, 3).withRestarts(new RestartPlan(
                    RestartPlan.Pattern.EVERY_REPLICA_AT_ONCE, 1, 3, 100, 300, RestartPlan.Disk.SYNC, 0, Set.of()));
            SimResult result = run(config);
            assertThat(result.firedFaults()).as("seed %d", seed).contains(Fault.RESTART_ALL);
            afterReply += count(result.trace(), " COMES BACK ") > 0 ? 1 : 0;
        }
        assertThat(afterReply).isEqualTo(12);
    }

    @Test
    void replicasWhoseDisksAreCorruptedWipedOrTornRecoverFromTheirPeers() {
        for (Fault fault : List.of(Fault.CORRUPT_RECORD, Fault.WIPED_DISK, Fault.MISDIRECTED_WRITE)) {
            int seen = 0;
            for (long seed = 1; seed <= 4; seed++) {
                SimConfig config = calm(seed).withRestarts(new RestartPlan(RestartPlan.Pattern.RANDOM, 1, 2, 0, 1_000)
                        .withDisk(RestartPlan.Disk.SYNC, 100, Set.of(fault)));
                SimResult result = run(config);
                if (result.firedFaults().contains(fault)) {
                    seen++;
                    // A damaged disk never restores as if intact: the replica recovers first.
                    assertThat(count(result.trace(), " RESTORED from its disk")).as("%s seed %d", fault, seed).isZero();
                }
            }
            assertThat(seen).as("seeds where %s fired", fault).isGreaterThanOrEqualTo(2);
        }
        int torn = 0;
        for (long seed = 1; seed <= 4; seed++) {
            SimConfig config = calm(seed).withRestarts(new RestartPlan(RestartPlan.Pattern.RANDOM, 1, 3, 0, 1_000)
                    .withDisk(RestartPlan.Disk.ASYNC, 0, Set.of()));
            SimResult result = run(config);
            torn += result.firedFaults().contains(Fault.TORN_WRITE) ? 1 : 0;
        }
        assertThat(torn).as("seeds where an async disk lost or tore writes").isGreaterThanOrEqualTo(2);
    }
}
