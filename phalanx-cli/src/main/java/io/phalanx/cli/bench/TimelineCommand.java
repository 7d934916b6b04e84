package io.phalanx.cli.bench;

import io.phalanx.bench.chart.ChartSpec;
import io.phalanx.bench.chart.Charts;
import io.phalanx.bench.chart.CsvTable;
import io.phalanx.bench.chart.EventMarker;
import io.phalanx.bench.chart.Series;
import io.phalanx.bench.process.CpuSteal;
import io.phalanx.bench.process.LoadPhase;
import io.phalanx.bench.process.LoadResult;
import io.phalanx.bench.process.ProcessCluster;
import io.phalanx.cli.PhalanxCommand;
import io.phalanx.runtime.config.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code phalanx bench timeline}: throughput in 1-second buckets over one run of a 4-replica
 * BFT cluster (separate JVMs, no-op service) while sporadic events happen — a follower killed
 * (SIGKILL) and restarted at once, a follower paused (SIGSTOP) and resumed, the leader killed and
 * restarted at once, then the new leader killed for good — drawn as a chart with the events
 * marked, with the CSV behind it. Each restarted replica starts empty and comes back by state
 * transfer; the last event needs its vote. With {@code --reconfig} the events are view changes
 * made with the {@code phalanx view} commands: a replica added (it joins by state transfer), a
 * follower's key replaced, the leader removed. Each event's row in {@code events.csv} gives the
 * longest run of seconds without a completed operation before the next event.
 */
@Command(name = "timeline", mixinStandardHelpOptions = true,
        description = {"Throughput over time while replicas are killed, restarted and paused (or, with",
                "--reconfig, while the view changes); CSV and a PNG with the events.",
                "At 15 %% of the run follower r3 is killed and restarted at once (empty:",
                "it comes back by state transfer); at 30 %% follower r2 is paused",
                "(SIGSTOP) until 45 %%; at 60 %% the leader is killed and restarted at",
                "once; at 80 %% the new leader is killed for good, so the cluster",
                "needs the restarted one's votes.",
                "--quick: a 40 s run with 10 clients."})
public final class TimelineCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "bench-out/timeline", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--quick", description = "A 40-second smoke run.")
    boolean quick;
    @Option(names = "--duration", description = "Seconds of load (default 120; 40 with --quick).")
    Integer duration;
    @Option(names = "--clients", description = "Outstanding requests (default 50; 10 with --quick).")
    Integer clients;
    @Option(names = "--heap", defaultValue = "512m", description = "Heap of each replica JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--reconfig", description = {"Change the view instead: at 20 %% replica r4 is added (phalanx view",
            "add, then started with its join ticket: state transfer), at 45 %% follower r2's key is replaced",
            "(phalanx view replace), at 70 %% the leader is removed (phalanx view remove)."})
    boolean reconfig;

    /** What happens to a replica process, or to the view. */
    private enum Action { KILL, KILL_AND_RESTART, PAUSE, RESUME, ADD, REPLACE_KEY, REMOVE }

    /** The replica {@code --reconfig} adds. */
    private static final int JOINING = 4;

    /** Which replica an event hits: a fixed follower, or whoever leads when it happens. */
    private static final int LEADER = -1;

    /** One sporadic event, at a second of the run. */
    private record Event(int second, String label, int replica, Action action) {
    }

    @Override
    public Integer call() throws Exception {
        int seconds = duration != null ? duration : quick ? 40 : 120;
        int load = clients != null ? clients : quick ? 10 : 50;
        Files.createDirectories(out);
        Path runDir = out.resolve("run");
        ProcessCluster.deleteQuietly(runDir);
        List<Event> planned = reconfig ? List.of(
                new Event(seconds * 20 / 100, "r" + JOINING + " added", JOINING, Action.ADD),
                new Event(seconds * 45 / 100, "r2's key replaced", 2, Action.REPLACE_KEY),
                new Event(seconds * 70 / 100, "leader removed", LEADER, Action.REMOVE)) : List.of(
                new Event(seconds * 15 / 100, "follower r3 killed and restarted", 3, Action.KILL_AND_RESTART),
                new Event(seconds * 30 / 100, "follower r2 paused", 2, Action.PAUSE),
                new Event(seconds * 45 / 100, "r2 resumed", 2, Action.RESUME),
                new Event(seconds * 60 / 100, "leader killed and restarted", LEADER, Action.KILL_AND_RESTART),
                new Event(seconds * 80 / 100, "leader killed", LEADER, Action.KILL));
        List<Event> events = new ArrayList<>();
        List<String> happened = new ArrayList<>();
        try (ProcessCluster cluster = reconfig
                ? ProcessCluster.createWithAdmin(PhalanxCommand.class.getName(), runDir, 4, JOINING + 1, heap,
                        List.of("--service", "noop"))
                : ProcessCluster.create(PhalanxCommand.class.getName(), runDir, 4, 1, Mode.BFT, heap,
                        List.of("--service", "noop"), null)) {
            cluster.startAll();
            LoadPhase phase = new LoadPhase("load", load, 0, seconds);
            Path loadDir = runDir.resolve(phase.name());
            Process generator = cluster.startLoad(runDir, 0, List.of(phase));
            long startNanos = awaitFirstSample(loadDir.resolve("samples.csv")) - 1_000_000_000L;
            for (Event plannedEvent : planned) {
                long at = startNanos + plannedEvent.second() * 1_000_000_000L;
                while (System.nanoTime() < at) {
                    Thread.sleep(Math.min(200, Math.max(1, (at - System.nanoTime()) / 1_000_000)));
                }
                Event event = plannedEvent;
                if (event.replica() == LEADER) {
                    int leader = cluster.currentLeader();
                    event = new Event(event.second(), event.label().replace("leader", "leader r" + leader), leader,
                            event.action());
                }
                events.add(event);
                switch (event.action()) {
                    case KILL -> cluster.kill(event.replica());
                    case KILL_AND_RESTART -> {
                        cluster.kill(event.replica());
                        cluster.start(event.replica());
                    }
                    case PAUSE -> cluster.signal(event.replica(), "STOP");
                    case RESUME -> cluster.signal(event.replica(), "CONT");
                    case ADD -> add(cluster, runDir, event.replica());
                    case REPLACE_KEY -> replaceKey(cluster, runDir, event.replica());
                    case REMOVE -> administer(cluster, runDir, "view", "remove", Integer.toString(event.replica()));
                }
                happened.add(event.second() + "," + event.label());
                System.err.printf(Locale.ROOT, "[%3d s] %s%n", event.second(), event.label());
            }
            LoadResult result = ProcessCluster.awaitPhase(generator, runDir, phase);
            ProcessCluster.awaitExit(generator, runDir);
            CsvTable timeline = new CsvTable("second", "ops", "steal_pct");
            for (int i = 0; i < result.opsPerSecond().size(); i++) {
                timeline.addRow(i + 1, result.opsPerSecond().get(i), CpuSteal.csvCell(result.stealPercent().get(i)));
            }
            timeline.write(out.resolve("timeline.csv"));
            CsvTable eventTable = new CsvTable("second", "event", "longest_gap_s");
            List<EventMarker> markers = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                Event event = events.get(i);
                int until = i + 1 < events.size() ? events.get(i + 1).second() : result.opsPerSecond().size();
                int gap = longestGap(result.opsPerSecond(), event.second(), until);
                eventTable.addRow(event.second(), event.label(), gap);
                markers.add(new EventMarker(event.second(), event.label()));
                System.err.printf(Locale.ROOT, "%s: longest run of seconds without a completed operation after it: %d s%n",
                        event.label(), gap);
            }
            eventTable.write(out.resolve("events.csv"));
            String title = reconfig ? "Throughput across view changes (BFT, 4 then 5 then 4 replicas, " + load
                    + " clients, 0/0)" : "Throughput under sporadic events (BFT n=4, " + load + " clients, 0/0)";
            Charts.lineChart(out.resolve("timeline.png"), ChartSpec.of(title, "time (s)", "ops/s"),
                    List.of(Series.fromColumns(timeline, "ops/s", "second", "ops")), markers);
            System.out.println("wrote " + out.resolve("timeline.csv") + ", events.csv and timeline.png in " + out
                    + " (" + result.failures() + " failed requests)");
            return result.failures() == 0 ? 0 : 1;
        }
    }

    /** The longest run of 1-second buckets with no completed operation among buckets {@code from} to {@code until - 1}. */
    static int longestGap(List<? extends Number> opsPerSecond, int from, int until) {
        int longest = 0;
        int run = 0;
        for (int second = Math.max(0, from); second < Math.min(until, opsPerSecond.size()); second++) {
            run = opsPerSecond.get(second).doubleValue() == 0 ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    /** {@code phalanx view add} for replica {@code id} (a new key pair, ports base + id ...), then starts it with its ticket. */
    private static void add(ProcessCluster cluster, Path runDir, int id) throws Exception {
        Path keys = runDir.resolve("keys");
        administer(cluster, runDir, "keygen", "--pair", "replica-" + id, "--out", keys.toString());
        int base = cluster.basePort();
        Path ticket = runDir.resolve("join-" + id + ".ticket");
        administer(cluster, runDir, "view", "add", Integer.toString(id), "--host", "127.0.0.1",
                "--port", Integer.toString(base + id), "--client-port", Integer.toString(base + 100 + id),
                "--admin", "127.0.0.1:" + (base + 200 + id), "--cert", keys.resolve("replica-" + id + ".crt").toString(),
                "--ticket", ticket.toString());
        cluster.start(id, List.of("--join", ticket.toString()));
    }

    /** Puts replica {@code id}'s next key where it looks for it, then {@code phalanx view replace}. */
    private static void replaceKey(ProcessCluster cluster, Path runDir, int id) throws Exception {
        Path keys = runDir.resolve("keys");
        administer(cluster, runDir, "keygen", "--pair", "replica-" + id + ".next", "--out", keys.toString());
        administer(cluster, runDir, "view", "replace", Integer.toString(id), "--cert",
                keys.resolve("replica-" + id + ".next.crt").toString());
    }

    /**
     * Runs a {@code phalanx} command in this process (view changes as the administrator), its
     * output appended to {@code admin.log} in the run directory.
     */
    private static void administer(ProcessCluster cluster, Path runDir, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(args));
        if (args[0].equals("view")) {
            line.addAll(List.of("--config", cluster.clusterFile().toString(), "--id",
                    Long.toString(ProcessCluster.adminId()), "--timeout", "30"));
        }
        java.io.StringWriter text = new java.io.StringWriter();
        picocli.CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new java.io.PrintWriter(text));
        command.setErr(new java.io.PrintWriter(text));
        int exit = command.execute(line.toArray(String[]::new));
        Files.writeString(runDir.resolve("admin.log"), "$ phalanx " + String.join(" ", line) + "\n" + text + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        if (exit != 0) {
            throw new IllegalStateException("phalanx " + String.join(" ", line) + " exited " + exit + ":\n" + text);
        }
    }

    /** Waits for the load generator's first 1-second sample; returns when it appeared (nanoTime). */
    private static long awaitFirstSample(Path samples) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(samples) && Files.readAllLines(samples).size() >= 2) {
                return System.nanoTime();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the load generator produced no sample within 60 s");
    }
}
