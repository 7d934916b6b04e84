package io.phalanx.cli;

import io.phalanx.core.replica.Counter;
import io.phalanx.core.view.Mode;
import io.phalanx.sim.Fault;
import io.phalanx.sim.SeedPlan;
import io.phalanx.sim.SimConfig;
import io.phalanx.sim.SimResult;
import io.phalanx.sim.SimService;
import io.phalanx.sim.Simulation;
import io.phalanx.sim.check.Violation;
import io.phalanx.sim.ordering.BlockTotals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code phalanx sim}: runs the deterministic simulator over many seeds (or replays one) and
 * exits non-zero if any seed breaks an invariant.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"Run the deterministic simulator over many seeds and check safety and liveness.",
                "Seeds cycle through BFT n=4,7,10 and CFT n=3,5,7 unless --mode/--replicas narrow them.",
                "--service ordering runs the Fabric ordering service instead of the key-value service.",
                "A failing seed prints the command that replays it."})
public final class SimCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--seeds", description = "Number of seeds to run (default: ${DEFAULT-VALUE}).", defaultValue = "200")
    int seeds;

    @Option(names = "--seed", description = "First seed; with --trace or --seeds 1, the one seed to replay.")
    Long seed;

    @Option(names = "--replicas", description = "Only this cluster size.")
    Integer replicas;

    @Option(names = "--mode", description = "Only this fault model: bft or cft.")
    String mode;

    @Option(names = "--faults", defaultValue = "all", description = {
            "Faults to inject: all, none, or a comma-separated list of: crash, restart, drop, partition, spike,",
            "leader-isolation, silent-leader, equivocation, twins, fake-votes, bad-signatures, corrupt-bytes,",
            "replay, bad-proposals, censorship, lying-reports, lying-checkpoint, byzantine-client, and the adversarial",
            "schedules aimed at one instance across leader changes (before GST only):",
            "  hidden-decision  its ACCEPTs reach a minority; whoever decides it is cut off until GST",
            "  stale-votes      its PROPOSE/WRITEs reach a minority; earlier voters miss later proposals",
            "  slow-witnesses   the most informed STOPDATAs never reach the new leader (a quorum remains)",
            "restart: a correct replica loses its memory at any moment and comes back from its simulated disk",
            "(none, async or sync; the same one several times, or every replica in turn; counted faulty until it",
            "has recovered); with it some seeds keep short decision logs, so that restarted and lagging replicas",
            "catch up by state transfer. restart-all: every replica at once (sync disks; half of them right after",
            "a reply leaves). Disk faults on restart: torn-write, corrupt-record, misdirected-write, wiped-disk.",
            "reconfig: the administrator removes replicas (the leader too), adds removed ones back, replaces keys and sets f during",
            "the workload, one change at a time, keeping every view's fault budget.",
            "(default: ${DEFAULT-VALUE}). Each seed draws its own mix within f faulty replicas; Byzantine",
            "strategies apply to BFT shapes only."})
    String faults;

    @Option(names = "--service", defaultValue = "kv", description = {
            "The service the replicas run (default: ${DEFAULT-VALUE}):",
            "  kv        the key-value service; clients read and write shared keys; checked for linearizability",
            "  ordering  the Fabric ordering service; clients broadcast envelopes on two channels (some twice, or by",
            "            two clients), send time-to-cut requests and config envelopes that change a channel's",
            "            block size and timeout, so blocks are cut by count, bytes and timeout, and config blocks;",
            "            checked for chain prefix (every correct replica's blocks a prefix of every other's), hash",
            "            links without gaps and each envelope in one block, instead of linearizability",
            "A seed draws the same parameters and faults under either service."})
    String service;

    @Option(names = "--trace", description = "Replay --seed and print every event of its trace.")
    boolean trace;

    @Option(names = "--jobs", description = "Seeds run in parallel (default: number of CPUs).")
    Integer jobs;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        SeedPlan plan;
        try {
            plan = SeedPlan.of(parseMode(), replicas, Fault.parse(faults)).withService(SimService.parse(service));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), e.getMessage());
        }
        if (trace) {
            if (seed == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--trace needs --seed S");
            }
            return replay(out, plan.configFor(seed));
        }
        long first = seed == null ? 1 : seed;
        return sweep(out, plan, first);
    }

    private Mode parseMode() {
        if (mode == null) {
            return null;
        }
        return switch (mode.toLowerCase()) {
            case "bft" -> Mode.BFT;
            case "cft" -> Mode.CFT;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--mode must be bft or cft, got '" + mode + "'");
        };
    }

    private int replay(PrintStream out, SimConfig config) {
        SimResult result = new Simulation(config, true).run();
        result.trace().forEach(out::println);
        out.println();
        out.println(describe(config));
        printOutcome(out, result);
        return result.passed() ? 0 : 1;
    }

    private int sweep(PrintStream out, SeedPlan plan, long first) throws Exception {
        int threads = jobs != null ? Math.max(1, jobs) : Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Progress progress = new Progress(System.err, seeds);
        Summary summary = new Summary();
        try {
            // Bounded in flight: a sweep of 20,000 seeds must not hold 20,000 histories.
            java.util.concurrent.CompletionService<SimResult> done = new java.util.concurrent.ExecutorCompletionService<>(pool);
            int inFlightMax = threads * 4;
            int inFlight = 0;
            long next = first;
            long end = first + seeds;
            while (next < end || inFlight > 0) {
                while (next < end && inFlight < inFlightMax) {
                    SimConfig config = plan.configFor(next++);
                    done.submit(() -> {
                        try {
                            return Simulation.run(config);
                        } catch (RuntimeException | Error e) {
                            // A replica or the simulator threw: a bug, which the seed replays.
                            throw new IllegalStateException("seed " + config.seed() + " threw " + e
                                    + "; replay it with --seed " + config.seed() + " --seeds 1", e);
                        }
                    });
                    inFlight++;
                }
                SimResult result = done.take().get();
                inFlight--;
                summary.add(result);
                progress.advance(summary.failedSeeds.size());
            }
        } finally {
            pool.shutdownNow();
        }
        progress.finish();
        summary.print(out, plan, faults);
        return summary.failedSeeds.isEmpty() ? 0 : 1;
    }

    static String describe(SimConfig c) {
        StringBuilder faultText = new StringBuilder();
        if (c.crashes() > 0) {
            faultText.append(", ").append(c.crashes()).append(" crash(es)");
        }
        c.byzantine().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).forEach(e ->
                faultText.append(", r").append(e.getKey()).append(' ').append(e.getValue().cliName()));
        if (c.dropPercent() > 0) {
            faultText.append(", ").append(c.dropPercent()).append("% drops");
        }
        if (c.partitions() > 0) {
            faultText.append(", ").append(c.partitions()).append(" partition(s)");
        }
        if (c.leaderIsolation()) {
            faultText.append(", leader isolation");
        }
        if (c.byzantineClient()) {
            faultText.append(", a byzantine client");
        }
        c.adversaries().stream().sorted().forEach(a -> faultText.append(", ").append(a.cliName()));
        if (c.restarts().any()) {
            faultText.append(", ").append(c.restarts());
        }
        if (c.decisionLogMax() != io.phalanx.core.replica.ReplicaConfig.DECISION_LOG_DEFAULT) {
            faultText.append(", decision log ").append(c.decisionLogMax()).append(" (checkpoint every ")
                    .append(c.checkpointPeriod()).append(')');
        }
        return String.format("seed %d: %s%s n=%d f=%d, %d clients x %d ops (<=%d in flight, %d%% read-only), "
                        + "delay %d-%d ms, %d%% spikes to +%d ms, %d%% duplicates%s, GST at %d ms",
                c.seed(), c.service() == SimService.KV ? "" : c.service().cliName() + " service, ", c.mode(), c.replicas(), c.f(), c.clients(), c.operationsPerClient(), c.clientOutstandingMax(),
                c.readOnlyPercent(), c.delayMinMs(), c.delayMaxMs(), c.spikePercent(), c.spikeMaxMs(),
                c.duplicatePercent(), faultText, c.gstMs());
    }

    static void printOutcome(PrintStream out, SimResult r) {
        out.printf("%s: %d/%d operations completed, %d instances decided, highest regency %d, %d messages, %d ms simulated,"
                        + " trace hash %016x%n", r.passed() ? "PASSED" : "FAILED", r.operationsCompleted(),
                r.operationsInvoked(), r.decided(), r.leaderChanges(), r.messages(), r.simulatedMs(), r.traceHash());
        out.println("  faults that fired: " + (r.firedFaults().isEmpty() ? "none"
                : r.firedFaults().stream().sorted().map(Fault::cliName).collect(java.util.stream.Collectors.joining(", "))));
        if (r.counter(Counter.RECOVERED) > 0 || r.counter(Counter.CHECKPOINT_INSTALLED) > 0) {
            out.printf("  recoveries: %d, checkpoints installed by state transfer: %d, taken: %d%n",
                    r.counter(Counter.RECOVERED), r.counter(Counter.CHECKPOINT_INSTALLED), r.counter(Counter.CHECKPOINT_TAKEN));
        }
        if (r.config().service() == SimService.ORDERING) {
            out.println("  blocks cut: " + BlockTotals.of(r));
        }
        for (Violation v : r.violations()) {
            out.println("  VIOLATION " + v);
        }
    }

    /** Totals over a sweep. */
    private static final class Summary {
        long seeds;
        long completed;
        long invoked;
        long simulatedMs;
        long decided;
        long messages;
        long seedsWithLeaderChange;
        /** Lazy proofs at work: decisions made on unchecked ACCEPTs. */
        long decidedUnverified;
        /** Seeds in which a replica restarted, one installed a checkpoint by state transfer, one recovered. */
        long seedsRestarted;
        long seedsStateTransferred;
        long seedsRecovered;
        /** Seeds in which a view change was installed, and in which one removed the running leader. */
        long seedsReconfigured;
        long seedsLeaderRemoved;
        long seedsKeyRotated;
        final java.util.EnumMap<Fault, Long> fired = new java.util.EnumMap<>(Fault.class);
        /** Seeds that restarted a replica, by what its disk kept. */
        final java.util.EnumMap<io.phalanx.sim.RestartPlan.Disk, Long> restartsByDisk =
                new java.util.EnumMap<>(io.phalanx.sim.RestartPlan.Disk.class);
        final List<SimResult> failed = new ArrayList<>();
        final List<Long> failedSeeds = new ArrayList<>();
        BlockTotals blocks = BlockTotals.NONE;

        void add(SimResult r) {
            seeds++;
            completed += r.operationsCompleted();
            invoked += r.operationsInvoked();
            simulatedMs += r.simulatedMs();
            decided += r.decided();
            messages += r.messages();
            if (r.leaderChanges() > 0) {
                seedsWithLeaderChange++;
            }
            decidedUnverified += r.counter(Counter.DECIDED_UNVERIFIED);
            if (r.firedFaults().contains(Fault.RESTART)) {
                seedsRestarted++;
                restartsByDisk.merge(r.config().restarts().disk(), 1L, Long::sum);
            }
            seedsStateTransferred += r.counter(Counter.CHECKPOINT_INSTALLED) > 0 ? 1 : 0;
            seedsRecovered += r.counter(Counter.RECOVERED) > 0 ? 1 : 0;
            seedsReconfigured += r.counter(Counter.VIEW_CHANGE_DECIDED) > 0 ? 1 : 0;
            seedsLeaderRemoved += r.counter(Counter.LEADER_HANDED_OVER) > 0 ? 1 : 0;
            seedsKeyRotated += r.counter(Counter.OWN_KEY_ROTATED) > 0 ? 1 : 0;
            r.firedFaults().forEach(f -> fired.merge(f, 1L, Long::sum));
            if (r.config().service() == SimService.ORDERING) {
                blocks = blocks.plus(BlockTotals.of(r));
            }
            if (!r.passed()) {
                failedSeeds.add(r.config().seed());
                if (failed.size() < 10) {
                    failed.add(r);
                }
            }
        }

        void print(PrintStream out, SeedPlan plan, String faultsOption) {
            out.printf("%d seeds over %s%s%n", seeds, plan.shapes(),
                    plan.service() == SimService.KV ? "" : ", " + plan.service().cliName() + " service");
            out.printf("  operations completed: %d of %d%n", completed, invoked);
            out.printf("  instances decided:    %d%n", decided);
            if (plan.service() == SimService.ORDERING) {
                out.printf("  blocks cut:           %s%n", blocks);
            }
            out.printf("  messages:             %d%n", messages);
            out.printf("  simulated time:       %.1f s%n", simulatedMs / 1000.0);
            out.printf("  seeds with a leader change: %d%n", seedsWithLeaderChange);
            out.printf("  decisions on unchecked ACCEPTs: %d%n", decidedUnverified);
            out.printf("  seeds that restarted a replica: %d, transferred state (CHECKPOINT_INSTALLED): %d,"
                    + " recovered (RECOVERED): %d%n", seedsRestarted, seedsStateTransferred, seedsRecovered);
            out.printf("  seeds that reconfigured (VIEW_CHANGE_DECIDED): %d, removed the leader (LEADER_HANDED_OVER): %d,"
                    + " rotated a key (OWN_KEY_ROTATED): %d%n", seedsReconfigured, seedsLeaderRemoved, seedsKeyRotated);
            out.printf("  restarts by what the disk kept (seeds): %s%n", restartsByDisk.isEmpty() ? "none"
                    : restartsByDisk.entrySet().stream().map(e -> e.getKey().name().toLowerCase(java.util.Locale.ROOT)
                    + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
            out.printf("  faults that fired (seeds): %s%n", fired.isEmpty() ? "none" : fired.entrySet().stream()
                    .map(e -> e.getKey().cliName() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")));
            out.printf("  seeds with violations: %d%s%n", failedSeeds.size(),
                    failedSeeds.isEmpty() ? "" : " " + failedSeeds.subList(0, Math.min(failedSeeds.size(), 50)));
            for (SimResult r : failed) {
                out.println();
                out.println(describe(r.config()));
                printOutcome(out, r);
                out.println("  last events:");
                r.trace().forEach(line -> out.println("    " + line));
                out.printf("  replay: ./phalanx sim%s --seed %d --mode %s --replicas %d --faults %s --trace%n",
                        plan.service() == SimService.KV ? "" : " --service " + plan.service().cliName(),
                        r.config().seed(), r.config().mode().name().toLowerCase(), r.config().replicas(), faultsOption);
            }
        }
    }
}
