package io.phalanx.cli;

import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster of real replica processes grows from 4 to 5, 6 and 7 replicas (each new one started
 * with the join ticket {@code phalanx view add} wrote, getting the state by state transfer),
 * raises f to 2, has one replica's key replaced, lowers f to 1 and shrinks back to 4, removing
 * the leader on the way, all with the {@code phalanx view} commands while clients started with
 * the 4-replica cluster file increment a counter: every call completes, and the counter equals
 * the increments acknowledged (none lost, none applied twice).
 */
class ProcessReconfigurationTest {
    private static final long REQUEST_TIMEOUT_MS = 1_000;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ADMIN = "1008";

    @Test
    void theClusterGrowsFromFourToSevenAndShrinksBackUnderLoad(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        try (ProcessReplicas cluster = ProcessReplicas.withAdmin(dir, 4, 7, REQUEST_TIMEOUT_MS);
             ProcessReplicas.Load load = new ProcessReplicas.Load(cluster.config, "counter", 2, 2, CALL_TIMEOUT)) {
            load.awaitProgress(100, WAIT);
            int base = ClusterConfigLoader.load(cluster.config).replica(0).orElseThrow().port();
            long view = 0;

            for (int joining = 4; joining <= 6; joining++) {
                run(cluster, "keygen", "--pair", "replica-" + joining, "--out", dir.resolve("keys").toString());
                int port = base + joining;
                String out = view(cluster, "add", Integer.toString(joining), "--host", "127.0.0.1",
                        "--port", Integer.toString(free(port)), "--client-port", Integer.toString(free(port + 100)),
                        "--admin", "127.0.0.1:" + free(port + 200),
                        "--cert", dir.resolve("keys/replica-" + joining + ".crt").toString());
                assertThat(out).contains("view " + (view + 1) + ": BFT, n=" + (joining + 1) + ", f=1");
                view++;
                String ticket = dir.resolve("join-" + joining + ".ticket").toString();
                if (joining == 5) {
                    cluster.startWithoutClusterFile(joining, "--join", ticket); // the ticket carries the cluster file
                } else {
                    cluster.start(joining, "--join", ticket);
                }
                cluster.awaitVoting(joining, 0, WAIT);
                awaitInForce(cluster, view);
                load.awaitProgress(50, WAIT);
            }

            assertThat(view(cluster, "set-f", "2")).contains("view " + (view + 1) + ": BFT, n=7, f=2");
            awaitInForce(cluster, ++view);
            load.awaitProgress(50, WAIT);
            // phalanx status follows the newest view: the three replicas the file does not list count.
            assertThat(run(cluster, "status", "--config", cluster.config.toString()))
                    .contains("cluster: bft n=7 f=2 view " + view).contains("OK: 7 of 7 replicas answer, quorum 5");

            // Replica 1 finds its next key beside its own, where keygen --pair put it.
            run(cluster, "keygen", "--pair", "replica-1.next", "--out", dir.resolve("keys").toString());
            view(cluster, "replace", "1", "--cert", dir.resolve("keys/replica-1.next.crt").toString());
            awaitInForce(cluster, ++view);
            load.awaitProgress(50, WAIT);
            assertThat(cluster.log(1)).contains("replica 1: presents the key view " + view + " names for it");

            assertThat(view(cluster, "set-f", "1")).contains("view " + (view + 1) + ": BFT, n=7, f=1");
            awaitInForce(cluster, ++view);
            load.awaitProgress(50, WAIT);

            int leader = leader(cluster);
            List<Integer> leaving = new ArrayList<>(List.of(leader));
            for (int joined = 6; leaving.size() < 3; joined--) {
                if (joined != leader) {
                    leaving.add(joined);
                }
            }
            for (int removed : leaving) {
                view(cluster, "remove", Integer.toString(removed));
                awaitInForce(cluster, ++view);
                assertThat(cluster.awaitExit(removed, WAIT)).as("exit status of removed replica %d", removed).isZero();
                load.awaitProgress(50, WAIT);
            }
            assertThat(members(cluster)).hasSize(4).doesNotContainAnyElementsOf(leaving);
            assertThat(cluster.log(leader)).contains("replica " + leader + " stops: removed from the view");

            load.stop(CALL_TIMEOUT.plusSeconds(5));
            assertThat(load.failed.get()).as("calls that failed: %s", load.failures).isZero();
            assertThat(load.counter()).isEqualTo(load.acknowledged.get());
        }
    }

    /** Runs {@code phalanx view ARGS} as the administrator; its output, after checking it succeeded. */
    private static String view(ProcessReplicas cluster, String... args) {
        List<String> line = new ArrayList<>(List.of("view"));
        line.addAll(List.of(args));
        line.addAll(List.of("--config", cluster.config.toString(), "--id", ADMIN, "--timeout", "60"));
        return run(cluster, line.toArray(String[]::new));
    }

    private static String run(ProcessReplicas cluster, String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = PhalanxCommand.commandLine();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(out));
        int exit = command.execute(args);
        assertThat(exit).as("phalanx %s:%n%s", String.join(" ", args), out).isZero();
        return out.toString();
    }

    /** The port, after checking nothing listens there. */
    private static int free(int port) throws Exception {
        try (ServerSocket probe = new ServerSocket(port)) {
            return probe.getLocalPort();
        }
    }

    /** The view every running member reports in force, once all report at least {@code viewId}. */
    private static void awaitInForce(ProcessReplicas cluster, long viewId) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<Integer, Long> running = Map.of();
        while (System.nanoTime() < deadline) {
            running = viewsInForce(cluster);
            if (!running.isEmpty() && running.values().stream().allMatch(v -> v >= viewId)
                    && running.keySet().equals(members(cluster))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("view " + viewId + " not in force everywhere: " + running);
    }

    /** Each member's view in force, by admin port (the file's replicas and those the newest view names). */
    private static Map<Integer, Long> viewsInForce(ProcessReplicas cluster) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ClusterConfig config = ClusterConfigLoader.load(cluster.config);
        List<StatusCommand.Answer> answers = StatusCommand.fetch(http, config, 1_000);
        var newest = ViewChangeCommand.newestView(config, answers);
        Map<Integer, Long> views = new TreeMap<>();
        for (StatusCommand.Answer answer : StatusCommand.withMembersOf(http, newest, answers, 1_000)) {
            if (answer.up() && newest.contains(answer.id())) {
                views.put(answer.id(), answer.status().path("viewId").asLong(-1));
            }
        }
        return views;
    }

    private static java.util.Set<Integer> members(ProcessReplicas cluster) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ClusterConfig config = ClusterConfigLoader.load(cluster.config);
        return new TreeSet<>(ViewChangeCommand.newestView(config, StatusCommand.fetch(http, config, 1_000)).members());
    }

    /** The leader the members report, once they agree. */
    private static int leader(ProcessReplicas cluster) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ClusterConfig config = ClusterConfigLoader.load(cluster.config);
        List<StatusCommand.Answer> answers = StatusCommand.fetch(http, config, 1_000);
        var newest = ViewChangeCommand.newestView(config, answers);
        TreeSet<Integer> leaders = new TreeSet<>();
        for (StatusCommand.Answer answer : StatusCommand.withMembersOf(http, newest, answers, 1_000)) {
            if (answer.up()) {
                leaders.add(answer.status().path("leader").asInt());
            }
        }
        assertThat(leaders).as("leaders the replicas follow").hasSize(1);
        return leaders.first();
    }
}
