package io.phalanx.sim;

import io.phalanx.core.PlantedBug;
import io.phalanx.core.replica.ReplicaConfig;
import io.phalanx.core.view.Mode;
import io.phalanx.core.view.View;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One simulation run's parameters. Everything random in the run is drawn from {@code seed}.
 *
 * @param seed               the run's only source of randomness
 * @param mode               BFT or CFT
 * @param replicas           n
 * @param f                  faults tolerated; must fit n for the mode
 * @param clients            number of correct clients
 * @param operationsPerClient operations each client performs (closed loop)
 * @param clientOutstandingMax most operations a client keeps in flight
 * @param readOnlyPercent    share of operations sent as unordered read-only queries
 * @param delayMinMs         network delay lower bound
 * @param delayMaxMs         network delay upper bound (outside spikes)
 * @param spikePercent       share of messages hit by a latency spike
 * @param spikeMaxMs         largest spike
 * @param duplicatePercent   share of messages delivered twice
 * @param crashes            how many replicas (any, leader included) crash at random times
 * @param byzantine          Byzantine replicas by id and strategy; with {@code crashes} at most f
 * @param dropPercent        share of messages lost before GST
 * @param partitions         how many partitions happen (and heal) before GST
 * @param leaderIsolation    whether the leader is cut off from some followers for a while before GST
 * @param byzantineClient    whether a Byzantine client joins the run
 * @param gstMs              global stabilization time: from here on no message is lost and
 *                           every delay is bounded by {@code delayMaxMs + spikeMaxMs}
 * @param livenessBoundMs    every operation of a correct client must complete within this long
 *                           after it was invoked or after GST, whichever is later; 60 s covers
 *                           f+2 leader changes at the largest backed-off timeout (6.4 s)
 * @param timeLimitMs        simulated time after which the run stops
 * @param pipelineMax        consensus instances the leader keeps open at once
 * @param adversaries        adversarial schedules ({@link Fault.Kind#ADVERSARY}) this run plays
 *                           before GST; see {@link Adversary}
 * @param plantedBugs        bugs planted on purpose in the correct replicas and clients (the
 *                           mutation suite); empty in every sweep
 * @param restarts           correct replicas that lose their memory and come back ({@link Fault#RESTART});
 *                           its chains count toward f with {@code crashes} and {@code byzantine}
 * @param decisionLogMax     decisions each replica keeps for peers that catch up; beyond it they
 *                           need state transfer
 * @param checkpointPeriod   decisions between checkpoints (at most half of {@code decisionLogMax})
 * @param clientsMax         client sessions each replica keeps ({@code ReplicaConfig.clientsMax});
 *                           below the number of clients the replicas evict sessions, refuse
 *                           their requests, and clients begin new sessions ({@link #evictsSessions})
 * @param reconfigurations   view changes the administrator makes during the workload, one after
 *                           the other ({@link Fault#RECONFIG}, {@link SimAdmin}); 0 for none
 * @param service            the service the replicas run, with its workload and checkers
 */
public record SimConfig(long seed, Mode mode, int replicas, int f, int clients, int operationsPerClient,
                        int clientOutstandingMax, int readOnlyPercent, int delayMinMs, int delayMaxMs,
                        int spikePercent, int spikeMaxMs, int duplicatePercent, int crashes,
                        Map<Integer, Fault> byzantine, int dropPercent, int partitions, boolean leaderIsolation,
                        boolean byzantineClient, long gstMs, long livenessBoundMs, long timeLimitMs,
                        int pipelineMax, Set<Fault> adversaries, Set<PlantedBug> plantedBugs, RestartPlan restarts,
                        int decisionLogMax, int checkpointPeriod, int clientsMax, int reconfigurations,
                        SimService service) {

    /**
     * Copies the collections and checks that the parameters describe a run the fault model allows.
     *
     * @param seed                 the run's only source of randomness
     * @param mode                 BFT or CFT
     * @param replicas             n
     * @param f                    faults tolerated; must fit n for the mode
     * @param clients              number of correct clients, at least 1
     * @param operationsPerClient  operations each client performs, at least 0
     * @param clientOutstandingMax most operations a client keeps in flight, at least 1
     * @param readOnlyPercent      share of read-only operations, 0..100
     * @param delayMinMs           network delay lower bound, at least 0
     * @param delayMaxMs           network delay upper bound, at least {@code delayMinMs}
     * @param spikePercent         share of messages hit by a spike, 0..100
     * @param spikeMaxMs           largest spike, at least 0
     * @param duplicatePercent     share of messages delivered twice, 0..100
     * @param crashes              replicas that crash; with Byzantine replicas and restart chains at most f
     * @param byzantine            Byzantine replicas by id and strategy; none in CFT mode
     * @param dropPercent          share of messages lost before GST, 0..100
     * @param partitions           partitions before GST
     * @param leaderIsolation      whether the leader is cut off for a while before GST
     * @param byzantineClient      whether a Byzantine client joins
     * @param gstMs                global stabilization time, at least 0 and below {@code timeLimitMs}
     * @param livenessBoundMs      time every operation must complete within after GST, above 0
     * @param timeLimitMs          simulated time after which the run stops
     * @param pipelineMax          open instances at once, at least 1
     * @param adversaries          adversarial schedules only ({@link Fault.Kind#ADVERSARY})
     * @param plantedBugs          bugs planted on purpose
     * @param restarts             the restart plan
     * @param decisionLogMax       decisions each replica keeps, at least 1
     * @param checkpointPeriod     decisions between checkpoints, within 1..{@code decisionLogMax / 2}
     * @param clientsMax           client sessions each replica keeps, at least 1
     * @param reconfigurations     view changes the administrator makes, at least 0
     * @param service              the service the replicas run
     * @throws IllegalArgumentException if a parameter is out of range; the message names it
     */
    public SimConfig {
        View.of(0, replicas, f, mode); // validates n, f and mode together
        java.util.Objects.requireNonNull(service, "service");
        byzantine = Map.copyOf(byzantine);
        adversaries = Set.copyOf(adversaries);
        plantedBugs = Set.copyOf(plantedBugs);
        if (!Fault.adversarial().containsAll(adversaries)) {
            throw new IllegalArgumentException("not adversarial schedules: " + adversaries);
        }
        java.util.Objects.requireNonNull(restarts, "restarts");
        if (crashes < 0 || crashes + byzantine.size() + restarts.chains() > f) {
            throw new IllegalArgumentException("crashes + Byzantine replicas + restart chains must be within 0..f (" + f
                    + "), got " + crashes + " + " + byzantine.size() + " + " + restarts.chains());
        }
        if (decisionLogMax < 1 || checkpointPeriod < 1 || checkpointPeriod > Math.max(1, decisionLogMax / 2)) {
            throw new IllegalArgumentException("need decisionLogMax >= 1 and 1 <= checkpointPeriod <= decisionLogMax/2, got "
                    + decisionLogMax + ", " + checkpointPeriod);
        }
        if (clientsMax < 1) {
            throw new IllegalArgumentException("clientsMax must be >= 1, got " + clientsMax);
        }
        if (reconfigurations < 0) {
            throw new IllegalArgumentException("reconfigurations must be >= 0, got " + reconfigurations);
        }
        if (mode == Mode.CFT && !byzantine.isEmpty()) {
            throw new IllegalArgumentException("CFT mode tolerates crashes only, not Byzantine replicas");
        }
        byzantine.forEach((id, fault) -> {
            if (id < 0 || id >= replicas || fault.kind() != Fault.Kind.BYZANTINE) {
                throw new IllegalArgumentException("bad Byzantine replica " + id + " with " + fault);
            }
        });
        if (clients < 1 || operationsPerClient < 0 || clientOutstandingMax < 1) {
            throw new IllegalArgumentException("need clients >= 1, operationsPerClient >= 0, clientOutstandingMax >= 1");
        }
        if (delayMinMs < 0 || delayMaxMs < delayMinMs || spikeMaxMs < 0) {
            throw new IllegalArgumentException("need 0 <= delayMinMs <= delayMaxMs and spikeMaxMs >= 0");
        }
        for (int percent : new int[] {readOnlyPercent, spikePercent, duplicatePercent, dropPercent}) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("percentages must be within 0..100, got " + percent);
            }
        }
        if (pipelineMax < 1) {
            throw new IllegalArgumentException("pipelineMax must be >= 1, got " + pipelineMax);
        }
        if (gstMs < 0 || livenessBoundMs <= 0 || timeLimitMs <= gstMs) {
            throw new IllegalArgumentException("need 0 <= gstMs < timeLimitMs and livenessBoundMs > 0");
        }
    }

    /**
     * A run of the key-value service ({@link SimService#KV}) with these parameters; see the
     * canonical constructor.
     *
     * @param seed                 the run's only source of randomness
     * @param mode                 BFT or CFT
     * @param replicas             n
     * @param f                    faults tolerated
     * @param clients              number of correct clients
     * @param operationsPerClient  operations each client performs
     * @param clientOutstandingMax most operations a client keeps in flight
     * @param readOnlyPercent      share of read-only operations
     * @param delayMinMs           network delay lower bound
     * @param delayMaxMs           network delay upper bound
     * @param spikePercent         share of messages hit by a spike
     * @param spikeMaxMs           largest spike
     * @param duplicatePercent     share of messages delivered twice
     * @param crashes              replicas that crash
     * @param byzantine            Byzantine replicas by id and strategy
     * @param dropPercent          share of messages lost before GST
     * @param partitions           partitions before GST
     * @param leaderIsolation      whether the leader is cut off for a while before GST
     * @param byzantineClient      whether a Byzantine client joins
     * @param gstMs                global stabilization time
     * @param livenessBoundMs      time every operation must complete within after GST
     * @param timeLimitMs          simulated time after which the run stops
     * @param pipelineMax          open instances at once
     * @param adversaries          adversarial schedules
     * @param plantedBugs          bugs planted on purpose
     * @param restarts             the restart plan
     * @param decisionLogMax       decisions each replica keeps
     * @param checkpointPeriod     decisions between checkpoints
     * @param clientsMax           client sessions each replica keeps
     * @param reconfigurations     view changes the administrator makes
     */
    public SimConfig(long seed, Mode mode, int replicas, int f, int clients, int operationsPerClient,
                     int clientOutstandingMax, int readOnlyPercent, int delayMinMs, int delayMaxMs,
                     int spikePercent, int spikeMaxMs, int duplicatePercent, int crashes,
                     Map<Integer, Fault> byzantine, int dropPercent, int partitions, boolean leaderIsolation,
                     boolean byzantineClient, long gstMs, long livenessBoundMs, long timeLimitMs,
                     int pipelineMax, Set<Fault> adversaries, Set<PlantedBug> plantedBugs, RestartPlan restarts,
                     int decisionLogMax, int checkpointPeriod, int clientsMax, int reconfigurations) {
        this(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent, delayMinMs,
                delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent, partitions,
                leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax, adversaries,
                plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, SimService.KV);
    }

    /** Pipeline depth of hand-built scenarios: several instances open, so scenarios exercise it. */
    private static final int CALM_PIPELINE = 4;
    /** Pipeline depths a randomized run draws from: one instance at a time up to eight. */
    private static final int[] PIPELINES = {1, 2, 4, 8};
    /**
     * Short decision logs (and checkpoint periods) some runs with restarts keep, so that a
     * replica down or behind for a few dozen decisions needs state transfer.
     */
    private static final int[][] SHORT_DECISION_LOGS = {{16, 4}, {32, 8}, {64, 16}};

    /**
     * The largest f that n replicas tolerate in {@code mode}.
     *
     * @param replicas n
     * @param mode     the fault model
     * @return (n-1)/3 for BFT, (n-1)/2 for CFT
     */
    public static int maxF(int replicas, Mode mode) {
        return mode == Mode.BFT ? (replicas - 1) / 3 : (replicas - 1) / 2;
    }

    /**
     * A run with every kind of fault enabled; see {@link #randomized(long, Mode, int, Set)}.
     *
     * @param seed     the run's seed
     * @param mode     the fault model
     * @param replicas n
     * @return the run's configuration
     */
    public static SimConfig randomized(long seed, Mode mode, int replicas) {
        return randomized(seed, mode, replicas, Fault.all());
    }

    /**
     * A run with a fault mix for {@code seed} drawn from {@code enabled}: n replicas at their
     * largest f, up to f faulty replicas (crashed, restarting, or Byzantine in BFT mode), some network faults
     * before a GST, and network parameters all drawn from the seed, so sweeping seeds sweeps
     * scenarios too.
     *
     * @param seed     the run's seed
     * @param mode     the fault model
     * @param replicas n
     * @param enabled  the faults the run may draw from
     * @return the run's configuration
     */
    public static SimConfig randomized(long seed, Mode mode, int replicas, Set<Fault> enabled) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int f = maxF(replicas, mode);
        int clients = 1 + random.nextInt(4);
        int operations = 20 + random.nextInt(40);
        int outstanding = 1 + random.nextInt(3);
        int readOnly = random.nextInt(40);
        int delayMin = random.nextInt(3);
        int delayMax = 3 + random.nextInt(20);
        int spikes = enabled.contains(Fault.SPIKE) ? random.nextInt(10) : 0;
        int spikeMax = 50 + random.nextInt(300);
        int duplicates = random.nextInt(10);

        List<Fault> replicaKinds = new ArrayList<>();
        for (Fault fault : EnumSet.copyOf(enabled.isEmpty() ? EnumSet.noneOf(Fault.class) : enabled)) {
            if (fault == Fault.CRASH || (fault.kind() == Fault.Kind.BYZANTINE && mode == Mode.BFT)) {
                replicaKinds.add(fault);
            }
        }
        int faulty = replicaKinds.isEmpty() ? 0 : random.nextInt(f + 1);
        int crashes = 0;
        Map<Integer, Fault> byzantine = new TreeMap<>();
        for (int i = 0; i < faulty; i++) {
            Fault kind = replicaKinds.get(random.nextInt(replicaKinds.size()));
            if (kind == Fault.CRASH) {
                crashes++;
            } else {
                // Leader strategies matter most at the first leader, replica 0.
                int id = !byzantine.containsKey(0) && random.nextBoolean() ? 0 : random.nextInt(replicas);
                while (byzantine.containsKey(id)) {
                    id = (id + 1) % replicas;
                }
                byzantine.put(id, kind);
            }
        }
        int drops = enabled.contains(Fault.DROP) && random.nextBoolean() ? 1 + random.nextInt(10) : 0;
        int partitions = enabled.contains(Fault.PARTITION) && random.nextBoolean() ? 1 + random.nextInt(3) : 0;
        boolean isolation = enabled.contains(Fault.LEADER_ISOLATION) && random.nextBoolean();
        boolean byzantineClient = enabled.contains(Fault.BYZANTINE_CLIENT) && random.nextBoolean();
        boolean lossy = drops > 0 || partitions > 0 || isolation;
        long gst = lossy ? 1_000 + random.nextInt(6_000) : 0;
        int pipeline = PIPELINES[random.nextInt(PIPELINES.length)];
        // Drawn last, so that every earlier draw, and the runs of seeds kept from before the
        // adversarial schedules existed, stay as they were when none is enabled.
        // Half the runs play schedules, most often several together (they are meant to combine).
        Set<Fault> adversaries = EnumSet.noneOf(Fault.class);
        boolean adversarial = random.nextBoolean();
        for (Fault fault : Fault.adversarial()) {
            if (adversarial && enabled.contains(fault) && random.nextInt(4) != 0) {
                adversaries.add(fault);
            }
        }
        if (!adversaries.isEmpty()) {
            // The schedules act before GST only, and need time for a decision and two leader changes.
            gst = Math.max(gst, 3_000 + random.nextInt(5_000));
        }
        // Drawn after everything else, for the same reason: enabling restarts changes no earlier
        // draw, so a seed without them runs exactly as it would if restarts did not exist.
        RestartPlan restarts = RestartPlan.NONE;
        int decisionLogMax = ReplicaConfig.DECISION_LOG_DEFAULT;
        int checkpointPeriod = ReplicaConfig.CHECKPOINT_PERIOD_DEFAULT;
        if (enabled.contains(Fault.RESTART)) {
            restarts = randomRestarts(random, f - crashes - byzantine.size());
            if (restarts.any()) {
                restarts = withRandomDisk(random, restarts, crashes, enabled);
            }
            if (random.nextBoolean()) {
                int[] logs = SHORT_DECISION_LOGS[random.nextInt(SHORT_DECISION_LOGS.length)];
                decisionLogMax = logs[0];
                checkpointPeriod = logs[1];
            }
        }
        // Drawn after everything else: a seed without reconfigurations runs exactly as it would if
        // they did not exist. A third of the runs that may reconfigure make one to three changes.
        int reconfigurations = 0;
        if (enabled.contains(Fault.RECONFIG) && random.nextInt(3) == 0) {
            reconfigurations = 1 + random.nextInt(3);
        }
        return new SimConfig(seed, mode, replicas, f, clients, operations, outstanding, readOnly, delayMin, delayMax,
                spikes, spikeMax, duplicates, crashes, byzantine, drops, partitions, isolation, byzantineClient, gst,
                60_000, gst + 600_000, pipeline, adversaries, Set.of(), restarts, decisionLogMax, checkpointPeriod,
                ReplicaConfig.CLIENTS_DEFAULT, reconfigurations);
    }

    /**
     * Restarts for a randomized run with {@code slots} of the f faulty-replica slots free: none in
     * a third of the runs, else one chain or more, in one of the patterns.
     */
    private static RestartPlan randomRestarts(SplittableRandom random, int slots) {
        if (slots <= 0 || random.nextInt(3) == 0) {
            return RestartPlan.NONE;
        }
        RestartPlan.Pattern[] patterns = {RestartPlan.Pattern.RANDOM, RestartPlan.Pattern.SAME_REPLICA,
                RestartPlan.Pattern.EVERY_REPLICA_IN_TURN, RestartPlan.Pattern.LEADER};
        RestartPlan.Pattern pattern = patterns[random.nextInt(patterns.length)];
        int chains = 1 + random.nextInt(slots);
        int perChain = 1 + random.nextInt(3);
        int onVote = new int[] {0, 50, 100}[random.nextInt(3)];
        long downMax = new long[] {50, 1_000, 4_000}[random.nextInt(3)];
        return new RestartPlan(pattern, chains, perChain, onVote, downMax);
    }

    /**
     * What the restarted replicas' disks keep: nothing, everything (sync), or, with
     * {@link Fault#TORN_WRITE}, the synced log (async), each as likely; a third of the disks that
     * keep something suffer one of the enabled disk faults at half their restarts. With {@link Fault#RESTART_ALL}, a
     * quarter of the sync runs without crashes restart every replica at once instead.
     */
    private static RestartPlan withRandomDisk(SplittableRandom random, RestartPlan restarts, int crashes,
                                              Set<Fault> enabled) {
        List<RestartPlan.Disk> disks = new ArrayList<>(List.of(RestartPlan.Disk.NONE, RestartPlan.Disk.SYNC));
        if (enabled.contains(Fault.TORN_WRITE)) {
            disks.add(RestartPlan.Disk.ASYNC);
        }
        RestartPlan.Disk disk = disks.get(random.nextInt(disks.size()));
        if (disk == RestartPlan.Disk.SYNC && crashes == 0 && enabled.contains(Fault.RESTART_ALL) && random.nextInt(4) == 0) {
            return new RestartPlan(RestartPlan.Pattern.EVERY_REPLICA_AT_ONCE, 1, 1 + random.nextInt(2), 50,
                    restarts.downMaxMs(), disk, 0, Set.of());
        }
        Set<Fault> diskFaults = EnumSet.noneOf(Fault.class);
        for (Fault fault : List.of(Fault.CORRUPT_RECORD, Fault.MISDIRECTED_WRITE, Fault.WIPED_DISK)) {
            if (enabled.contains(fault)) {
                diskFaults.add(fault);
            }
        }
        boolean faulty = disk != RestartPlan.Disk.NONE && !diskFaults.isEmpty() && random.nextInt(3) == 0;
        return restarts.withDisk(disk, faulty ? 50 : 0, faulty ? diskFaults : Set.of());
    }

    /**
     * A fault-free run for hand-built scenarios: three clients of 100 operations (two in flight,
     * 30 % read-only), 1-10 ms delays, up to 4 instances open; add faults with the {@code with...}
     * methods.
     *
     * @param seed     the run's seed
     * @param mode     the fault model
     * @param replicas n, run at its largest f
     * @return the run's configuration
     */
    public static SimConfig calm(long seed, Mode mode, int replicas) {
        return new SimConfig(seed, mode, replicas, maxF(replicas, mode), 3, 100, 2, 30, 1, 10, 0, 200, 0, 0, Map.of(),
                0, 0, false, false, 0, 60_000, 600_000, CALM_PIPELINE, Set.of(), Set.of(), RestartPlan.NONE,
                ReplicaConfig.DECISION_LOG_DEFAULT, ReplicaConfig.CHECKPOINT_PERIOD_DEFAULT, ReplicaConfig.CLIENTS_DEFAULT, 0);
    }

    /**
     * The same run with these Byzantine replicas (and no crashes).
     *
     * @param newByzantine Byzantine replicas by id and strategy
     * @return the changed configuration
     */
    public SimConfig withByzantine(Map<Integer, Fault> newByzantine) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, 0, newByzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax, adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with {@code count} crashes.
     *
     * @param count how many replicas crash
     * @return the changed configuration
     */
    public SimConfig withCrashes(int count) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, count, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax, adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with duplicates and spikes.
     *
     * @param newDuplicatePercent share of messages delivered twice
     * @param newSpikePercent     share of messages hit by a latency spike
     * @return the changed configuration
     */
    public SimConfig withJitter(int newDuplicatePercent, int newSpikePercent) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, newSpikePercent, spikeMaxMs, newDuplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax, adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with network faults before {@code newGstMs}; the run stops 600 s after it.
     *
     * @param newDropPercent     share of messages lost before GST
     * @param newPartitions      partitions before GST
     * @param newLeaderIsolation whether the leader is cut off for a while before GST
     * @param newGstMs           the global stabilization time
     * @return the changed configuration
     */
    public SimConfig withNetworkFaults(int newDropPercent, int newPartitions, boolean newLeaderIsolation, long newGstMs) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, newDropPercent,
                newPartitions, newLeaderIsolation, byzantineClient, newGstMs, livenessBoundMs, newGstMs + 600_000, pipelineMax, adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with a Byzantine client.
     *
     * @return the changed configuration
     */
    public SimConfig withByzantineClient() {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, true, gstMs, livenessBoundMs, timeLimitMs, pipelineMax, adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with these bugs planted in the correct replicas and clients (the mutation suite).
     *
     * @param newPlantedBugs the bugs to plant
     * @return the changed configuration
     */
    public SimConfig withPlantedBugs(Set<PlantedBug> newPlantedBugs) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, newPlantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run playing these adversarial schedules before {@code newGstMs}; the run stops 600 s after it.
     *
     * @param newAdversaries the adversarial schedules
     * @param newGstMs       the global stabilization time
     * @return the changed configuration
     */
    public SimConfig withAdversaries(Set<Fault> newAdversaries, long newGstMs) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, newGstMs, livenessBoundMs, newGstMs + 600_000, pipelineMax,
                newAdversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with every client running {@code newOperationsPerClient} operations.
     *
     * @param newOperationsPerClient operations per client
     * @return the changed configuration
     */
    public SimConfig withOperationsPerClient(int newOperationsPerClient) {
        return new SimConfig(seed, mode, replicas, f, clients, newOperationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with these restarts (whose chains count toward f).
     *
     * @param newRestarts the restart plan
     * @return the changed configuration
     */
    public SimConfig withRestarts(RestartPlan newRestarts) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, newRestarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with replicas keeping {@code newDecisionLogMax} decisions and checkpointing every {@code newCheckpointPeriod}.
     *
     * @param newDecisionLogMax   decisions each replica keeps
     * @param newCheckpointPeriod decisions between checkpoints, at most half of {@code newDecisionLogMax}
     * @return the changed configuration
     */
    public SimConfig withDecisionLog(int newDecisionLogMax, int newCheckpointPeriod) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, restarts, newDecisionLogMax, newCheckpointPeriod, clientsMax, reconfigurations, service);
    }

    /**
     * The same run with replicas keeping at most {@code newClientsMax} client sessions. Below the
     * number of clients (the Byzantine one included) sessions are evicted (see {@link #evictsSessions}).
     *
     * @param newClientsMax client sessions each replica keeps
     * @return the changed configuration
     */
    public SimConfig withClientsMax(int newClientsMax) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, newClientsMax, reconfigurations, service);
    }

    /**
     * This run with the administrator making {@code newReconfigurations} view changes.
     *
     * @param newReconfigurations how many changes, at least 0
     * @return the changed configuration
     */
    public SimConfig withReconfigurations(int newReconfigurations) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, newReconfigurations, service);
    }

    /**
     * The same run with the replicas running {@code newService}. Nothing else changes: the
     * parameters drawn from the seed are the same, and the ordering service's own (its channels'
     * limits, {@link io.phalanx.sim.ordering.OrderingSetup}) come from a generator of their own.
     *
     * @param newService the service
     * @return the changed configuration
     */
    public SimConfig withService(SimService newService) {
        return new SimConfig(seed, mode, replicas, f, clients, operationsPerClient, clientOutstandingMax, readOnlyPercent,
                delayMinMs, delayMaxMs, spikePercent, spikeMaxMs, duplicatePercent, crashes, byzantine, dropPercent,
                partitions, leaderIsolation, byzantineClient, gstMs, livenessBoundMs, timeLimitMs, pipelineMax,
                adversaries, plantedBugs, restarts, decisionLogMax, checkpointPeriod, clientsMax, reconfigurations, newService);
    }

    /**
     * True if replicas may evict client sessions in this run: more clients than {@code clientsMax}.
     * Only then do replicas send clients their refusals and clients begin new sessions on them (a
     * refused call ends without a result); other runs keep the message counts they always had.
     *
     * @return true if {@code clientsMax} is below the number of clients, the Byzantine one included
     */
    public boolean evictsSessions() {
        return clientsMax < clients + (byzantineClient ? 1 : 0);
    }

    /**
     * The faults this configuration injects (those that then really happen are in the result).
     *
     * @return a new mutable set of the planned faults
     */
    public Set<Fault> plannedFaults() {
        Set<Fault> planned = EnumSet.noneOf(Fault.class);
        if (crashes > 0) {
            planned.add(Fault.CRASH);
        }
        if (restarts.any()) {
            planned.add(Fault.RESTART);
            planned.addAll(restarts.diskFaults());
            if (restarts.pattern() == RestartPlan.Pattern.EVERY_REPLICA_AT_ONCE) {
                planned.add(Fault.RESTART_ALL);
            }
            if (restarts.disk() == RestartPlan.Disk.ASYNC) {
                planned.add(Fault.TORN_WRITE);
            }
        }
        planned.addAll(byzantine.values());
        if (dropPercent > 0) {
            planned.add(Fault.DROP);
        }
        if (partitions > 0) {
            planned.add(Fault.PARTITION);
        }
        if (spikePercent > 0) {
            planned.add(Fault.SPIKE);
        }
        if (leaderIsolation) {
            planned.add(Fault.LEADER_ISOLATION);
        }
        if (byzantineClient) {
            planned.add(Fault.BYZANTINE_CLIENT);
        }
        planned.addAll(adversaries);
        return planned;
    }

    /**
     * The run's initial view.
     *
     * @return view 0 of replicas 0..n-1 with this f and mode
     */
    public View view() {
        return View.of(0, replicas, f, mode);
    }
}
