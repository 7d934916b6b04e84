package io.phalanx.sim;

import java.util.Set;

/**
 * Which correct replicas a run restarts ({@link Fault#RESTART}) and what their disks keep
 * ({@link Disk}): they lose everything they hold in memory (core, executor, service) and come
 * back after a delay from what their simulated disk kept: everything ({@link Disk#SYNC}, they vote
 * at once), what was synced ({@link Disk#ASYNC}, they recover first), or nothing
 * ({@link Disk#NONE}, they recover first). {@link Pattern#EVERY_REPLICA_AT_ONCE} takes the whole
 * cluster down at once, which only {@link Disk#SYNC} survives without losing writes.
 *
 * <p>Restarts run in {@code chains}, each one restart at a time: a chain restarts a replica, waits
 * until it is back and has recovered, pauses, and restarts the next. A restarting replica counts
 * toward f until it has recovered, so a run with {@code c} crashed or Byzantine replicas has at
 * most {@code f - c} chains, and never more than f faulty replicas at once. Chains start before
 * GST plus {@link #HORIZON_AFTER_GST_MS}, and start no restart once every client is done.
 *
 * @param pattern    which replica each restart takes
 * @param chains     restarts that may be under way at once (each uses one of the f slots)
 * @param perChain   restarts per chain ({@link Pattern#EVERY_REPLICA_IN_TURN}: one per replica)
 * @param onVotePercent share of restarts that wait for the victim's next PROPOSE, WRITE or ACCEPT
 *                   and take it down right after it leaves (mid-instance, votes in flight); with
 *                   {@link Pattern#EVERY_REPLICA_AT_ONCE}, that wait for the next reply any replica
 *                   sends a client and take every replica down right after it leaves (an
 *                   acknowledged write whose records may not all be synced yet)
 * @param downMaxMs  longest time a replica stays down (drawn per restart; short ones are likelier)
 * @param disk       what a replica's disk keeps across a restart
 * @param diskFaultPercent share of {@link Disk#ASYNC} and {@link Disk#SYNC} restarts whose disk
 *                   also suffers one of {@code diskFaults}
 * @param diskFaults which disk faults those are: {@link Fault#CORRUPT_RECORD} (a byte flips while
 *                   the replica is down), {@link Fault#MISDIRECTED_WRITE} (its last write before the
 *                   crash lands elsewhere), {@link Fault#WIPED_DISK} (it comes back on an empty disk)
 */
public record RestartPlan(Pattern pattern, int chains, int perChain, int onVotePercent, long downMaxMs, Disk disk,
                          int diskFaultPercent, Set<Fault> diskFaults) {
    /** Restarts begin no later than this long after GST, so liveness after GST is judged on a stable fault set. */
    public static final long HORIZON_AFTER_GST_MS = 10_000;

    /** No restarts. */
    public static final RestartPlan NONE = new RestartPlan(Pattern.NONE, 0, 0, 0, 0);

    /** What a restarted replica's disk kept. */
    public enum Disk {
        /** Nothing: durability none. */
        NONE,
        /** The log up to its last sync (synced in the background; the unsynced tail is lost or torn). */
        ASYNC,
        /** Everything it sent a message or reply about: durability sync. */
        SYNC
    }

    /**
     * Restarts whose replicas lose their memory and keep no disk.
     *
     * @param pattern       which replica each restart takes
     * @param chains        restarts that may be under way at once
     * @param perChain      restarts per chain
     * @param onVotePercent share of restarts right after a vote, 0..100
     * @param downMaxMs     longest time a replica stays down
     * @throws IllegalArgumentException if a count or share is out of range
     */
    public RestartPlan(Pattern pattern, int chains, int perChain, int onVotePercent, long downMaxMs) {
        this(pattern, chains, perChain, onVotePercent, downMaxMs, Disk.NONE, 0, Set.of());
    }

    /** Which replica a restart takes. */
    public enum Pattern {
        /** No restarts at all. */
        NONE,
        /** Any correct replica not already down or recovering. */
        RANDOM,
        /** The same replica every time (per chain). */
        SAME_REPLICA,
        /** Every correct replica once, in id order from a random one. */
        EVERY_REPLICA_IN_TURN,
        /** Whichever replica leads at that moment. */
        LEADER,
        /** Any correct replica that does not lead at that moment (hand-built scenarios; sweeps draw the others). */
        FOLLOWER,
        /** Every correct replica at the same instant, all coming back together ({@link Disk#SYNC} only). */
        EVERY_REPLICA_AT_ONCE
    }

    /**
     * Copies the disk faults and checks that the plan can run.
     *
     * @param pattern          which replica each restart takes
     * @param chains           restarts under way at once: 0 for {@link Pattern#NONE}, else at least 1
     * @param perChain         restarts per chain, at least 1 unless the pattern is {@link Pattern#NONE}
     * @param onVotePercent    share of restarts right after a vote, 0..100
     * @param downMaxMs        longest time a replica stays down, at least 0
     * @param disk             what a replica's disk keeps; {@link Disk#SYNC} for {@link Pattern#EVERY_REPLICA_AT_ONCE}
     * @param diskFaultPercent share of restarts whose disk suffers a fault, 0..100
     * @param diskFaults       the disk faults to draw from; not empty if {@code diskFaultPercent} is above 0
     * @throws IllegalArgumentException if the plan cannot run; the message says why
     */
    public RestartPlan {
        if (pattern == Pattern.NONE ? chains != 0 : chains < 1 || perChain < 1) {
            throw new IllegalArgumentException("a restart plan needs chains >= 1 and perChain >= 1 (none: 0 chains)");
        }
        if (onVotePercent < 0 || onVotePercent > 100 || downMaxMs < 0 || diskFaultPercent < 0 || diskFaultPercent > 100) {
            throw new IllegalArgumentException("need 0 <= onVotePercent, diskFaultPercent <= 100 and downMaxMs >= 0");
        }
        java.util.Objects.requireNonNull(disk, "disk");
        diskFaults = Set.copyOf(diskFaults);
        if (diskFaultPercent > 0 && diskFaults.isEmpty()) {
            throw new IllegalArgumentException("disk faults at " + diskFaultPercent + "% but none named");
        }
        if (pattern == Pattern.EVERY_REPLICA_AT_ONCE && disk != Disk.SYNC) {
            throw new IllegalArgumentException("only durability sync survives a restart of every replica at once");
        }
    }

    /**
     * One chain restarting {@code count} times in {@code pattern}, {@code onVotePercent} of them mid-instance.
     *
     * @param pattern       which replica each restart takes
     * @param count         how many restarts
     * @param onVotePercent share of restarts right after a vote, 0..100
     * @param downMaxMs     longest time a replica stays down
     * @return a plan whose replicas keep no disk
     */
    public static RestartPlan of(Pattern pattern, int count, int onVotePercent, long downMaxMs) {
        return new RestartPlan(pattern, 1, count, onVotePercent, downMaxMs);
    }

    /**
     * Whether the plan restarts anything.
     *
     * @return false for {@link Pattern#NONE}
     */
    public boolean any() {
        return pattern != Pattern.NONE;
    }

    /**
     * The same restarts with replicas whose disks keep {@code newDisk}, {@code faultPercent} of them suffering one of {@code faults}.
     *
     * @param newDisk      what the disks keep
     * @param faultPercent share of restarts whose disk suffers a fault, 0..100
     * @param faults       the disk faults to draw from
     * @return the new plan
     */
    public RestartPlan withDisk(Disk newDisk, int faultPercent, Set<Fault> faults) {
        return new RestartPlan(pattern, chains, perChain, onVotePercent, downMaxMs, newDisk, faultPercent, faults);
    }

    /**
     * Whether restarted replicas count toward f until they recover.
     *
     * @return true unless their disks keep everything ({@link Disk#SYNC} without disk faults)
     */
    public boolean restartsAreFaults() {
        return disk != Disk.SYNC || diskFaultPercent > 0;
    }

    @Override
    public String toString() {
        return any() ? chains + "x" + perChain + " " + pattern.name().toLowerCase().replace('_', '-') + " restart(s)"
                + (onVotePercent > 0 ? " (" + onVotePercent + "% right after a vote)" : "") + ", down <= " + downMaxMs
                + " ms, disk " + disk.name().toLowerCase() + (diskFaultPercent > 0 ? " (" + diskFaultPercent + "% with one of " + diskFaults.stream().map(Fault::cliName).sorted().toList() + ")" : "")
                : "no restarts";
    }
}
