package io.phalanx.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The faults the simulator can inject, each named as on the command line ({@code --faults}).
 * Replica faults (a crash, a restart or a Byzantine strategy) are drawn per seed within the
 * budget of f faulty replicas; network faults hit only before the run's global stabilization time (GST),
 * after which the network delivers every message within a bounded delay.
 */
public enum Fault {
    /** A replica, leader included, stops for good at a random time. */
    CRASH(Kind.REPLICA),
    /**
     * A correct replica, leader included, loses all its memory at any moment (mid-instance, during
     * a leader change, while behind) and comes back after a delay from what its simulated disk kept:
     * nothing (it recovers from its peers), or its log and checkpoints written with durability sync
     * (it votes at once); some runs restart one replica several times, or every replica in turn.
     * Until it has recovered it counts toward f. Runs with it enabled may also keep short decision
     * logs, so that restarted and lagging replicas catch up by state transfer. See {@link RestartPlan}.
     */
    RESTART(Kind.REPLICA),
    /**
     * With restarts: every correct replica crashes at the same instant and all come back from
     * their disks (durability sync); nothing acknowledged may be lost.
     */
    RESTART_ALL(Kind.DISK),
    /**
     * With restarts: the restarted replicas' disks are synced only in the background (durability
     * async), so a crash loses their unsynced writes and may tear the last one; the replica cuts
     * the torn record and recovers the rest from its peers.
     */
    TORN_WRITE(Kind.DISK),
    /** With restarts: a byte of a restarted replica's log or checkpoint flips while it is down. */
    CORRUPT_RECORD(Kind.DISK),
    /** With restarts: a write of a replica about to crash lands in the wrong file or place. */
    MISDIRECTED_WRITE(Kind.DISK),
    /** With restarts: a restarted replica comes back on an empty disk. */
    WIPED_DISK(Kind.DISK),
    /** Messages are lost (before GST). */
    DROP(Kind.NETWORK),
    /** Replicas split into groups that cannot talk, then heal (before GST). */
    PARTITION(Kind.NETWORK),
    /** Occasional messages are delayed by hundreds of milliseconds. */
    SPIKE(Kind.NETWORK),
    /** The leader is cut off from some followers only (before GST). */
    LEADER_ISOLATION(Kind.NETWORK),
    /** A Byzantine replica that, when leader, never proposes nor syncs, yet votes as usual. */
    SILENT_LEADER(Kind.BYZANTINE),
    /** A Byzantine leader sending different batches to different followers. */
    EQUIVOCATION(Kind.BYZANTINE),
    /** Two correct nodes sharing one identity and key; the network decides who hears which. */
    TWINS(Kind.BYZANTINE),
    /** A Byzantine replica voting (validly signed) for values nobody proposed. */
    FAKE_VOTES(Kind.BYZANTINE),
    /** A Byzantine replica whose ACCEPT and STOPDATA signatures are garbage. */
    BAD_SIGNATURES(Kind.BYZANTINE),
    /** A Byzantine replica whose outgoing bytes are randomly corrupted. */
    CORRUPT_BYTES(Kind.BYZANTINE),
    /** A Byzantine replica replaying old messages, its own and others'. */
    REPLAY(Kind.BYZANTINE),
    /** A Byzantine leader proposing forged, duplicate or already-decided requests. */
    BAD_PROPOSALS(Kind.BYZANTINE),
    /** A Byzantine leader withholding one client's requests. */
    CENSORSHIP(Kind.BYZANTINE),
    /** A Byzantine replica whose (validly signed) STOPDATA lies about what it wrote and accepted. */
    LYING_REPORTS(Kind.BYZANTINE),
    /**
     * A Byzantine replica that offers a forged checkpoint (an empty service, no client sessions)
     * in its STATE_REPORTs, with the real proof of that instance's decision, and serves its chunks.
     */
    LYING_CHECKPOINT(Kind.BYZANTINE),
    /** A Byzantine client sending malformed, forged, conflicting and out-of-window requests. */
    BYZANTINE_CLIENT(Kind.CLIENT),
    /**
     * The administrator changes the view during the workload, one change at a time: removes a
     * replica (the leader included), adds a removed one back, or sets f, always keeping every
     * view's fault budget (the run's faulty replicas within its f, n large enough for it). Fires
     * when a change was installed. See {@link SimAdmin}.
     */
    RECONFIG(Kind.ADMIN),
    /**
     * One instance's ACCEPTs reach a minority only (in every epoch until a decision is hidden, then
     * at random), and every replica that decides it is cut off from the other replicas until GST (at most
     * n minus a quorum of them): the next leader's STOPDATA quorum holds no replica that decided, so
     * only the choice rule can carry the decided value over. See {@link Adversary}.
     */
    HIDDEN_DECISION(Kind.ADVERSARY),
    /**
     * One instance's PROPOSE, or in BFT mode its WRITEs, reach a minority only in its first epoch,
     * and in later epochs the replicas that voted before do not hear the new PROPOSE: old votes
     * stay in their reports next to newer ones, which the choice rule must rank by epoch.
     */
    STALE_VOTES(Kind.ADVERSARY),
    /**
     * On the way to each new leader, the STOPDATAs of the replicas that voted most recently on that
     * instance (decided, then accepted, then wrote; the highest epoch first) are lost, as many as
     * still leave a quorum: the leader syncs on the least informative legal evidence.
     */
    SLOW_WITNESSES(Kind.ADVERSARY);

    /**
     * What a fault affects. {@code ADVERSARY} faults are network schedules aimed at one consensus
     * instance (targeted message loss and partitions before GST, like the other network faults).
     * {@code DISK} faults hit the disks of restarted replicas ({@link #RESTART}), whose slot in f
     * they share.
     */
    public enum Kind {
        /** A replica crashes or restarts. */
        REPLICA,
        /** The network loses, delays or partitions messages. */
        NETWORK,
        /** A replica departs from the protocol. */
        BYZANTINE,
        /** A client departs from the protocol. */
        CLIENT,
        /** The administrator changes the view. */
        ADMIN,
        /** A network schedule aimed at one consensus instance. */
        ADVERSARY,
        /** A restarted replica's disk loses, tears or damages what it held. */
        DISK
    }

    private final Kind kind;

    Fault(Kind kind) {
        this.kind = kind;
    }

    /**
     * What the fault affects.
     *
     * @return its kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether the fault takes one of the f faulty-replica slots.
     *
     * @return true for replica and Byzantine faults
     */
    public boolean faultyReplica() {
        return kind == Kind.REPLICA || kind == Kind.BYZANTINE;
    }

    /**
     * The command-line name.
     *
     * @return the name in lower case with dashes, e.g. {@code leader-isolation}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Every fault, as {@code --faults all} selects them.
     *
     * @return a new mutable set of all faults
     */
    public static Set<Fault> all() {
        return EnumSet.allOf(Fault.class);
    }

    /**
     * The adversarial schedules ({@link Kind#ADVERSARY}).
     *
     * @return a new mutable set of them
     */
    public static Set<Fault> adversarial() {
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        for (Fault fault : values()) {
            if (fault.kind == Kind.ADVERSARY) {
                faults.add(fault);
            }
        }
        return faults;
    }

    /**
     * Parses {@code all}, {@code none}, or a comma-separated list of names.
     *
     * @param list the {@code --faults} argument; case and spaces around names do not matter
     * @return a new mutable set of the named faults
     * @throws IllegalArgumentException naming an unknown fault and listing the known ones
     */
    public static Set<Fault> parse(String list) {
        String trimmed = list.trim().toLowerCase(Locale.ROOT);
        if (trimmed.equals("all")) {
            return all();
        }
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        if (trimmed.equals("none") || trimmed.isEmpty()) {
            return faults;
        }
        for (String name : trimmed.split(",")) {
            faults.add(byName(name.trim()));
        }
        return faults;
    }

    private static Fault byName(String name) {
        for (Fault fault : values()) {
            if (fault.cliName().equals(name)) {
                return fault;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Fault fault : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(fault.cliName());
        }
        throw new IllegalArgumentException("unknown fault '" + name + "'; known: all, none, " + known);
    }
}
