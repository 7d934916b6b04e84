package io.phalanx.cli;

import ch.qos.logback.classic.Level;
import io.phalanx.core.replica.Counter;
import io.phalanx.runtime.Client;
import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.Mode;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code phalanx demo}: a whole BFT cluster in one JVM over real TLS — the replicas, a
 * key-value workload from several clients, a live status line, the leader crashed midway, the
 * leader change measured, and a summary with the workload's correctness checks. Exits non-zero
 * if any request failed or any check did.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run a local cluster over TLS, crash its leader midway, and check the results.",
                "",
                "Starts the replicas on 127.0.0.1 with throwaway keys and runs a key-value",
                "workload from several clients: each increments its own counter, writes its",
                "own keys and reads them back. Halfway through it closes the leader's replica",
                "and reports the leader change; at three quarters it starts that replica again",
                "from its data directory (durability sync: its log and checkpoints) and reports",
                "how it caught up with what the others decided meanwhile (state transfer, then",
                "the decisions after it) and when it votes again; at the end it checks every",
                "counter and prints a summary. Exit status 0 only if every request and every",
                "check succeeded and the restarted replica came back."})
public final class DemoCommand implements Callable<Integer> {
    private static final long STATUS_INTERVAL_MS = 1000;
    private static final long POLL_MS = 50;

    @Option(names = "--replicas", description = "Number of replicas (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int replicas;

    @Option(names = "--f", description = "Faults tolerated (default: the most the mode allows).")
    Integer f;

    @Option(names = "--mode", description = "bft or cft (default: ${DEFAULT-VALUE}).", defaultValue = "bft")
    String mode;

    @Option(names = "--duration", description = "Seconds of workload (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    int durationSeconds;

    @Option(names = "--clients", description = "Number of clients (default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int clients;

    @Option(names = "--outstanding", description = "Operations each client keeps in flight (default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int outstanding;

    @Option(names = "--request-timeout-ms", description = "Replicas' request timer: a leader that does not order a "
            + "request within it is suspected, and replaced after twice it (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    long requestTimeoutMs;

    @Option(names = "--client-signatures", description = "Clients sign every request and replicas require it.")
    boolean clientSignatures;

    @Option(names = "--no-crash", negatable = true, description = "Crash the leader halfway (default: true).",
            defaultValue = "true")
    boolean crash = true;

    @Option(names = "--no-restart", negatable = true, description = "Start the crashed replica again at three "
            + "quarters of the run, from its data directory (default: true).", defaultValue = "true")
    boolean restart = true;

    @Option(names = "--verbose", description = "Show the replicas' and clients' INFO log lines.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Mode clusterMode = parseMode();
        checkOptions();
        PrintStream out = System.out;
        Level previous = verbose ? null : Logs.quiet();
        try (DemoCluster cluster = DemoCluster.create(replicas, f, clusterMode, clients, requestTimeoutMs, clientSignatures)) {
            Thread hook = new Thread(cluster::close, "phalanx-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return run(cluster, out, System.err);
            } finally {
                removeHook(hook);
            }
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } finally {
            Logs.restore(previous);
        }
    }

    private int run(DemoCluster cluster, PrintStream out, PrintStream err) throws Exception {
        int n = cluster.size();
        int faults = cluster.config().cluster().f();
        boolean crashLeader = crash && faults >= 1;
        out.printf("phalanx demo: %d replicas (%s, f=%d) on 127.0.0.1 over TLS 1.3, %d clients x %d in flight, %d s%s%n",
                n, cluster.config().cluster().mode(), faults, clients, outstanding, durationSeconds,
                crashLeader ? "; the leader crashes at " + durationSeconds / 2.0 + " s"
                        + (restart ? " and restarts from its disk at " + durationSeconds * 3 / 4.0 + " s" : "") : "");
        cluster.startReplicas();
        printStatusPage(cluster, out);
        List<Client> connected = new ArrayList<>();
        for (int j = 0; j < clients; j++) {
            connected.add(cluster.client(1000 + j, Duration.ofSeconds(Math.max(20, durationSeconds)), outstanding));
        }
        awaitConnected(connected, n);
        DemoWorkload workload = new DemoWorkload(connected, outstanding);
        Monitor monitor = new Monitor(cluster, workload, err, crashLeader, crashLeader && restart);
        workload.start();
        monitor.runFor(durationSeconds * 1000L, out);
        boolean drained = workload.stop(30_000);
        monitor.finishLine();
        int countersOk = workload.verifyCounters();
        Optional<ReplicaStatus> front = cluster.front();
        return summary(out, workload, monitor, drained, countersOk, front);
    }

    /**
     * Every replica serves a status page on its admin port; the one printed is a follower's, as
     * the leader crashes halfway when asked to and its page goes with it.
     */
    private static void printStatusPage(DemoCluster cluster, PrintStream out) {
        int shown = cluster.size() > 1 ? 1 : 0;
        cluster.config().replica(shown).map(r -> r.admin()).ifPresent(admin -> out.printf(
                "status page: %s/ (replica r%d; every replica serves one on its admin port while the demo runs)%n",
                admin.baseUrl(), shown));
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running and closes the cluster.
        }
    }

    private static void awaitConnected(List<Client> connected, int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline
                && !connected.stream().allMatch(c -> c.stats().connectedReplicas().size() == n)) {
            Thread.sleep(POLL_MS);
        }
    }

    private int summary(PrintStream out, DemoWorkload workload, Monitor monitor, boolean drained, int countersOk,
                        Optional<ReplicaStatus> front) {
        Histogram latency = monitor.total;
        boolean passed = workload.failed() == 0 && workload.checkFailures() == 0 && drained
                && countersOk == clients && (!monitor.crashLeader || monitor.tookOverMs >= 0)
                && (!monitor.restart || monitor.backAfterMs >= 0);
        out.println();
        out.println("summary");
        out.printf("  operations:     %d completed, %d failed%n", workload.completed(), workload.failed());
        out.printf("  latency:        p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", ms(latency.getValueAtPercentile(50)),
                ms(latency.getValueAtPercentile(99)), ms(latency.getMaxValue()));
        if (monitor.crashLeader) {
            out.printf("  throughput:     %.0f ops/s before the crash, %.0f ops/s after%n", monitor.rateBefore(),
                    monitor.rateAfter(workload.completed()));
            out.printf("  leader change:  r%d crashed at %.1f s; %s%n", monitor.crashed, monitor.crashAtMs / 1000.0,
                    monitor.tookOverMs >= 0 ? "r" + monitor.newLeader + " took over after " + monitor.tookOverMs + " ms"
                            : "no new leader took over");
        } else {
            out.printf("  throughput:     %.0f ops/s%n", workload.completed() * 1000.0 / Math.max(1, monitor.elapsedMs));
        }
        if (monitor.restart) {
            out.printf("  restart:        r%d restarted at %.1f s from its log at instance %d; %s%n", monitor.crashed,
                    monitor.restartAtMs / 1000.0, monitor.resumedAt + 1,
                    monitor.backAfterMs >= 0 ? monitor.howItCameBack() : "it had not caught up when the run ended");
        }
        out.printf("  leader changes: %d (final regency %d, leader r%d)%n", front.map(ReplicaStatus::regency).orElse(0),
                front.map(ReplicaStatus::regency).orElse(0), front.map(ReplicaStatus::leader).orElse(-1));
        out.printf("  decided:        %d consensus instances%n", front.map(s -> s.lastDecided() + 1).orElse(0L));
        out.printf("  checks:         %d/%d counters equal their client's successful increments; %d reads of own "
                + "last write, %d wrong%n", countersOk, clients, workload.readsChecked(), workload.checkFailures());
        if (!drained) {
            out.println("  (some operations were still in flight 30 s after the workload stopped)");
        }
        workload.problems().forEach(p -> out.println("  problem: " + p));
        out.println(passed ? "PASSED" : "FAILED");
        out.flush();
        return passed ? 0 : 1;
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    private Mode parseMode() {
        return switch (mode.toLowerCase()) {
            case "bft" -> Mode.BFT;
            case "cft" -> Mode.CFT;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be bft or cft, got '" + mode + "'");
        };
    }

    private void checkOptions() {
        if (durationSeconds < 1 || clients < 1 || clients > 100 || outstanding < 1 || outstanding > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "need --duration >= 1, --clients in 1..100 and --outstanding in 1..64");
        }
    }

    /** Samples the workload and the replicas, draws the status line, crashes the leader, times the change. */
    private static final class Monitor {
        final DemoCluster cluster;
        final DemoWorkload workload;
        final PrintStream err;
        final boolean crashLeader;
        final boolean restart;
        final boolean terminal = System.console() != null;
        long restartAtMs = -1;
        /** The last decision the restarted replica found in its log. */
        long resumedAt = -1;
        long decidedAtRestart;
        long backAfterMs = -1;
        ReplicaStatus back;
        final Histogram total = new Histogram(3);
        long startMs;
        long elapsedMs;
        int crashed = -1;
        long crashAtMs = -1;
        long decidedAtCrash;
        long completedAtCrash;
        long tookOverMs = -1;
        int newLeader = -1;
        Histogram interval;

        Monitor(DemoCluster cluster, DemoWorkload workload, PrintStream err, boolean crashLeader, boolean restart) {
            this.cluster = cluster;
            this.workload = workload;
            this.err = err;
            this.crashLeader = crashLeader;
            this.restart = restart;
        }

        void runFor(long durationMs, PrintStream out) throws InterruptedException {
            startMs = System.currentTimeMillis();
            long nextStatus = STATUS_INTERVAL_MS;
            long lastCompleted = 0;
            while ((elapsedMs = System.currentTimeMillis() - startMs) < durationMs) {
                if (crashLeader && crashed < 0 && elapsedMs >= durationMs / 2) {
                    crash(out);
                }
                if (crashed >= 0 && tookOverMs < 0) {
                    watchTakeover(out);
                }
                if (restart && crashed >= 0 && restartAtMs < 0 && elapsedMs >= durationMs * 3 / 4) {
                    restart(out);
                }
                if (restartAtMs >= 0 && backAfterMs < 0) {
                    watchRestarted(out);
                }
                if (elapsedMs >= nextStatus) {
                    long completed = workload.completed();
                    status(completed - lastCompleted, elapsedMs);
                    lastCompleted = completed;
                    nextStatus += STATUS_INTERVAL_MS;
                }
                Thread.sleep(POLL_MS);
            }
        }

        private void crash(PrintStream out) {
            ReplicaStatus front = cluster.front().orElseThrow();
            crashed = front.leader();
            decidedAtCrash = front.lastDecided();
            completedAtCrash = workload.completed();
            crashAtMs = System.currentTimeMillis() - startMs;
            finishLine();
            out.printf("crashing the leader: closing replica r%d at %.1f s (decided so far: %d)%n", crashed,
                    crashAtMs / 1000.0, decidedAtCrash + 1);
            out.flush();
            cluster.crash(crashed);
        }

        private void restart(PrintStream out) {
            decidedAtRestart = cluster.front().map(ReplicaStatus::lastDecided).orElse(-1L);
            restartAtMs = System.currentTimeMillis() - startMs;
            finishLine();
            try {
                cluster.start(crashed);
                resumedAt = cluster.status(crashed).map(ReplicaStatus::lastDecided).orElse(-1L);
                out.printf("restarted r%d at %.1f s from its data directory: it resumes at instance %d, the others"
                        + " decided %d instances%n", crashed, restartAtMs / 1000.0, resumedAt + 1, decidedAtRestart + 1);
                out.flush();
            } catch (IOException | ConfigException e) {
                out.println("could not restart r" + crashed + ": " + e.getMessage());
                restartAtMs = Long.MAX_VALUE / 2; // reported as not back
            }
        }

        /**
         * The restarted replica is back once it recovered, caught up past what the others had
         * decided when it started, and votes in their regency.
         */
        private void watchRestarted(PrintStream out) {
            Optional<ReplicaStatus> status = cluster.status(crashed);
            Optional<ReplicaStatus> front = cluster.front();
            if (status.isEmpty() || front.isEmpty()) {
                return;
            }
            ReplicaStatus s = status.get();
            if (!s.recovering() && s.active() && s.lastDecided() > decidedAtRestart && s.regency() == front.get().regency()
                    && s.behindBy() == 0) {
                backAfterMs = System.currentTimeMillis() - startMs - restartAtMs;
                back = s;
                finishLine();
                out.printf("r%d is back: %s%n", crashed, howItCameBack());
                out.flush();
            }
        }

        String howItCameBack() {
            long chunks = back.counter(Counter.CHUNK_RECEIVED);
            String transfer = back.counter(Counter.CHECKPOINT_INSTALLED) > 0
                    ? "state transfer of a checkpoint (" + chunks + (chunks == 1 ? " chunk" : " chunks") + "), then "
                    : "";
            return "voting again after " + backAfterMs + " ms: " + transfer + back.counter(Counter.DECISIONS_LEARNED)
                    + " decisions learned from its peers, now at instance " + (back.lastDecided() + 1);
        }

        /** The new leader has taken over once every live replica follows it and something new was decided. */
        private void watchTakeover(PrintStream out) {
            List<ReplicaStatus> live = cluster.live();
            boolean allMoved = live.stream().allMatch(s -> s.leader() != crashed && s.active());
            long decided = live.stream().mapToLong(ReplicaStatus::lastDecided).max().orElse(-1);
            if (allMoved && decided > decidedAtCrash) {
                tookOverMs = System.currentTimeMillis() - startMs - crashAtMs;
                newLeader = live.get(0).leader();
                finishLine();
                out.printf("leader r%d crashed at %.1f s; r%d took over after %d ms (regency %d), service continues%n",
                        crashed, crashAtMs / 1000.0, newLeader, tookOverMs, live.get(0).regency());
                out.flush();
            }
        }

        private void status(long completedInInterval, long nowMs) {
            interval = workload.latencyMicros().getIntervalHistogram(interval);
            total.add(interval);
            Optional<ReplicaStatus> front = cluster.front();
            String line = String.format("[%5.1fs] %6d ops/s  p50 %6.1f ms  p99 %7.1f ms  leader r%s  decided %7d  failures %d",
                    nowMs / 1000.0, completedInInterval * 1000 / STATUS_INTERVAL_MS, ms(interval.getValueAtPercentile(50)),
                    ms(interval.getValueAtPercentile(99)), front.map(s -> Integer.toString(s.leader())).orElse("?"),
                    front.map(s -> s.lastDecided() + 1).orElse(0L), workload.failed());
            if (terminal) {
                err.print("\r" + line + "  ");
            } else {
                err.println(line);
            }
            err.flush();
        }

        void finishLine() {
            interval = workload.latencyMicros().getIntervalHistogram(interval);
            total.add(interval);
            if (terminal) {
                err.println();
            }
        }

        double rateBefore() {
            return completedAtCrash * 1000.0 / Math.max(1, crashAtMs);
        }

        double rateAfter(long completedAtEnd) {
            return (completedAtEnd - completedAtCrash) * 1000.0 / Math.max(1, elapsedMs - crashAtMs);
        }
    }
}
