package io.phalanx.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.phalanx.core.view.View;
import io.phalanx.runtime.config.AdminEndpoint;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ClusterConfigLoader;
import io.phalanx.runtime.config.ConfigException;
import io.phalanx.runtime.config.HostPort;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * {@code phalanx status}: the whole cluster on one screen, from every replica's admin
 * {@code /status} (see docs/OPERATIONS.md). Exit status 0 when a quorum of replicas answers and
 * is deciding: not recovering nor transferring state, no leader change running, all in the same
 * regency, and not stalled (requests pending while nothing was decided for
 * {@link #STALLED_SECONDS} s). 1 otherwise.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show every replica's role, regency, decisions and lag, from their admin ports; exit 0 when a "
                + "quorum is up and deciding.")
public final class StatusCommand implements Callable<Integer> {
    /** Requests pending this long with no decision anywhere means the cluster is stuck. */
    static final double STALLED_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @Option(names = "--config", required = true, description = "The cluster file (replicas need an admin port in it).")
    Path config;

    @Option(names = "--watch", description = "Refresh every second until interrupted.")
    boolean watch;

    @Option(names = "--timeout-ms", description = "How long to wait for each replica (default: ${DEFAULT-VALUE}).",
            defaultValue = "2000")
    long timeoutMs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One replica's answer, or why there is none. */
    record Answer(int id, JsonNode status, String error) {
        boolean up() {
            return status != null;
        }

        boolean deciding() {
            return up() && !status.path("recovering").asBoolean() && status.path("active").asBoolean()
                    && status.path("transfer").isNull();
        }
    }

    /** The verdict on a set of answers. */
    record Verdict(boolean healthy, String text) {
    }

    @Override
    public Integer call() throws Exception {
        ClusterConfig cluster = load(config, spec);
        PrintWriter out = spec.commandLine().getOut();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs)).build();
        Map<Integer, Long> previousRequests = new HashMap<>();
        long previousNanos = 0;
        while (true) {
            List<Answer> fromFile = fetch(http, cluster, timeoutMs);
            // The newest view the replicas report, and its members only: replicas added since the
            // file was written (at the admin addresses the view names) count, removed ones do not.
            View view = ViewChangeCommand.newestView(cluster, fromFile);
            List<Answer> answers = withMembersOf(http, view, fromFile, timeoutMs).stream()
                    .filter(answer -> view.contains(answer.id())).toList();
            long now = System.nanoTime();
            Map<Integer, Double> opsPerSecond = opsPerSecond(answers, previousRequests, (now - previousNanos) / 1e9);
            previousNanos = now;
            Verdict verdict = verdict(view, answers);
            if (watch) {
                out.print("\033[H\033[2J"); // home, clear screen
            }
            render(out, view, answers, opsPerSecond, verdict);
            out.flush();
            if (!watch) {
                return verdict.healthy() ? 0 : 1;
            }
            Thread.sleep(1000);
        }
    }

    /** The cluster file, or a bad-parameter error naming what is wrong with it. */
    static ClusterConfig load(Path config, CommandLine.Model.CommandSpec spec) {
        try {
            return ClusterConfigLoader.load(config);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Every replica's {@code /status}, or why there is none, in the file's order. */
    static List<Answer> fetch(HttpClient http, ClusterConfig cluster, long timeoutMs) {
        Map<Integer, AdminEndpoint> endpoints = new LinkedHashMap<>();
        cluster.replicas().forEach(replica -> endpoints.put(replica.id(), replica.admin()));
        return fetch(http, endpoints, "no admin port in the cluster file", timeoutMs);
    }

    /**
     * The answers of the members of {@code view} that the file does not list (replicas added
     * since), at the admin addresses the view gives them, after {@code answers} (the file's).
     */
    static List<Answer> withMembersOf(HttpClient http, View view, List<Answer> answers, long timeoutMs) {
        Map<Integer, AdminEndpoint> endpoints = new LinkedHashMap<>();
        Set<Integer> asked = answers.stream().map(Answer::id).collect(java.util.stream.Collectors.toSet());
        for (int member : view.members()) {
            String admin = view.addresses().containsKey(member) ? view.addresses().get(member).admin() : "";
            if (!asked.contains(member)) {
                endpoints.put(member, admin.isEmpty() ? null
                        : new AdminEndpoint(HostPort.parse(admin).host(), HostPort.parse(admin).port()));
            }
        }
        List<Answer> all = new ArrayList<>(answers);
        all.addAll(fetch(http, endpoints, "no admin address in view " + view.id(), timeoutMs));
        return all;
    }

    private static List<Answer> fetch(HttpClient http, Map<Integer, AdminEndpoint> endpoints, String noPort,
                                      long timeoutMs) {
        List<CompletableFuture<Answer>> pending = endpoints.entrySet().stream().map(entry -> {
            int id = entry.getKey();
            AdminEndpoint admin = entry.getValue();
            if (admin == null) {
                return CompletableFuture.completedFuture(new Answer(id, null, noPort));
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(admin.baseUrl() + "/status"))
                    .timeout(Duration.ofMillis(timeoutMs)).GET().build();
            return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
                if (error != null) {
                    return new Answer(id, null, reason(error));
                }
                if (response.statusCode() != 200) {
                    return new Answer(id, null, "HTTP " + response.statusCode());
                }
                try {
                    return new Answer(id, JSON.readTree(response.body()), null);
                } catch (Exception e) {
                    return new Answer(id, null, "not a status document: " + e.getMessage());
                }
            });
        }).toList();
        return pending.stream().map(CompletableFuture::join).toList();
    }

    private static String reason(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof java.net.ConnectException) {
            return "down (connection refused)";
        }
        if (cause instanceof java.net.http.HttpTimeoutException) {
            return "no answer (timed out)";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /**
     * Requests decided per second: over the last sample when there was one, else as the replica
     * measured it (over its last 10 s).
     */
    private static Map<Integer, Double> opsPerSecond(List<Answer> answers, Map<Integer, Long> previous, double seconds) {
        Map<Integer, Double> rates = new HashMap<>();
        for (Answer answer : answers) {
            if (!answer.up()) {
                continue;
            }
            int id = answer.id();
            long requests = answer.status().path("decidedRequests").asLong();
            Long before = previous.put(id, requests);
            rates.put(id, before != null && requests >= before && seconds > 0 ? (requests - before) / seconds
                    : answer.status().path("requestsPerSecond").asDouble());
        }
        return rates;
    }

    static Verdict verdict(View view, List<Answer> answers) {
        int quorum = view.quorums().quorumSize();
        long up = answers.stream().filter(Answer::up).count();
        Map<String, Integer> regencies = new LinkedHashMap<>();
        for (Answer answer : answers) {
            if (answer.deciding()) {
                regencies.merge(answer.status().path("regency").asInt() + "/r" + answer.status().path("leader").asInt(),
                        1, Integer::sum);
            }
        }
        int agreeing = regencies.values().stream().max(Integer::compare).orElse(0);
        boolean pending = answers.stream().filter(Answer::up).anyMatch(a -> a.status().path("pendingRequests").asInt() > 0);
        double idleSeconds = answers.stream().filter(Answer::up)
                .mapToDouble(a -> a.status().path("secondsSinceLastDecision").asDouble()).min().orElse(0);
        String counts = up + " of " + answers.size() + " replicas answer, quorum " + quorum;
        if (up < quorum) {
            return new Verdict(false, "NOT OK: " + counts);
        }
        if (agreeing < quorum) {
            return new Verdict(false, "NOT OK: " + counts + ", but only " + agreeing
                    + " are active in one regency (recovering, transferring or changing leader)");
        }
        if (pending && idleSeconds > STALLED_SECONDS) {
            return new Verdict(false, String.format(Locale.ROOT, "NOT OK: %s, requests pending and nothing decided for %.0f s",
                    counts, idleSeconds));
        }
        return new Verdict(true, "OK: " + counts + ", " + agreeing + " deciding");
    }

    private static void render(PrintWriter out, View view, List<Answer> answers, Map<Integer, Double> rates,
                               Verdict verdict) {
        out.printf(Locale.ROOT, "cluster: %s n=%d f=%d view %d   %s%n", view.mode().name().toLowerCase(Locale.ROOT),
                view.n(), view.f(), view.id(), LocalTime.now().format(CLOCK));
        long highest = answers.stream().filter(Answer::up).mapToLong(a -> a.status().path("lastDecided").asLong())
                .max().orElse(-1);
        out.printf(Locale.ROOT, "%-8s %-15s %8s %7s %10s %7s %9s %8s  %s%n", "replica", "role", "regency", "leader",
                "decided", "lag", "ops/s", "pending", "last event");
        for (Answer answer : answers) {
            String name = "r" + answer.id();
            if (!answer.up()) {
                out.printf(Locale.ROOT, "%-8s %s%n", name, answer.error());
                continue;
            }
            JsonNode s = answer.status();
            long decided = s.path("lastDecided").asLong();
            out.printf(Locale.ROOT, "%-8s %-15s %8d %7s %10d %7d %9.1f %8d  %s%n", name, s.path("role").asText(),
                    s.path("regency").asInt(), "r" + s.path("leader").asInt(), decided, highest - decided,
                    rates.getOrDefault(answer.id(), 0.0), s.path("pendingRequests").asInt(), lastEvent(s));
        }
        out.println(verdict.text());
    }

    private static String lastEvent(JsonNode status) {
        JsonNode events = status.path("events");
        if (!events.isArray() || events.isEmpty()) {
            return "-";
        }
        JsonNode last = events.get(events.size() - 1);
        String at = LocalTime.ofInstant(Instant.ofEpochMilli(last.path("atMs").asLong()), ZoneId.systemDefault())
                .format(CLOCK);
        return at + " " + last.path("text").asText();
    }
}
