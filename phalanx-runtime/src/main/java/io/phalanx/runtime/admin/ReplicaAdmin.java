package io.phalanx.runtime.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.phalanx.core.codec.MessageCodec;
import io.phalanx.core.replica.Counter;
import io.phalanx.core.view.View;
import io.phalanx.runtime.Replica;
import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.config.AdminEndpoint;
import io.phalanx.runtime.config.ClusterConfig;
import io.phalanx.runtime.config.ReplicaEntry;
import io.phalanx.runtime.transport.NetworkThreads;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A replica's admin port: {@code GET /metrics} (Prometheus text format, from a Micrometer
 * registry of the replica's own), {@code GET /status} (JSON: the replica's view of the
 * cluster, read by {@code phalanx status}), {@code GET /history} (JSON: the decision rate, one
 * sample a second for 5 minutes) and {@code GET /} (the status page, a static file whose script
 * reads the other three). It runs on the replica's network threads: the HTTP
 * server, and a sampler every {@link StatusSampler#PERIOD_MS} ms that notices decisions and
 * events between snapshots. Started by the replica when its entry in the cluster file has an
 * {@code admin} section; closed with it.
 */
public final class ReplicaAdmin implements AutoCloseable {
    /** Content type of the Prometheus text exposition format. */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The status page: one self-contained file (HTML, CSS, script) that polls /status and /history. */
    private static final AdminServer.Page STATUS_PAGE = new AdminServer.Page("text/html; charset=utf-8",
            resource("status-page.html"));

    private final Replica replica;
    private final ClusterConfig config;
    private final ExecutionMeter executed;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final StatusSampler sampler;
    private ScheduledFuture<?> sampling;
    private AdminServer server;

    private ReplicaAdmin(Replica replica, ClusterConfig config, ExecutionMeter executed) {
        this.replica = replica;
        this.config = config;
        this.executed = executed;
        Set<Integer> peers = peers(config, replica.id());
        this.sampler = new StatusSampler(replica::status, executed::requests, peers);
        registry.config().commonTags("replica", Integer.toString(replica.id()),
                "view", Long.toString(config.cluster().viewId()));
        io.micrometer.core.instrument.Gauge.builder("phalanx.view.id", () -> replica.view().id())
                .description("Id of the view the replica runs in").strongReference(true).register(registry);
        ReplicaMeters.bind(registry, replica.id(), peers, replica::status, executed, sampler);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * Starts the admin port of {@code replica} on {@code threads} if its cluster-file entry has an
     * {@code admin} section.
     *
     * @param replica  the replica whose status and counters the port shows
     * @param config   the cluster config; the replica's entry in it says where to listen
     * @param executed the meter of the replica's service, for the request rate
     * @param threads  the network threads that serve and sample; the caller closes them
     * @return the running admin port, or null without an {@code admin} section
     * @throws IOException if the port cannot be bound
     */
    public static ReplicaAdmin startIfConfigured(Replica replica, ClusterConfig config, ExecutionMeter executed,
                                                 NetworkThreads threads) throws IOException {
        AdminEndpoint endpoint = config.replica(replica.id()).map(ReplicaEntry::admin).orElse(null);
        if (endpoint == null) {
            return null;
        }
        ReplicaAdmin admin = new ReplicaAdmin(replica, config, executed);
        admin.sampling = threads.executor().scheduleAtFixedRate(admin.sampler::sample, StatusSampler.PERIOD_MS,
                StatusSampler.PERIOD_MS, TimeUnit.MILLISECONDS);
        try {
            admin.server = AdminServer.start("replica " + replica.id(), endpoint, threads, Map.of(
                    "/", () -> STATUS_PAGE,
                    "/metrics", () -> AdminServer.Page.text(METRICS_CONTENT_TYPE, admin.registry.scrape()),
                    "/status", () -> new AdminServer.Page(JSON_CONTENT_TYPE, admin.json(admin.statusTree())),
                    "/history", () -> new AdminServer.Page(JSON_CONTENT_TYPE, admin.json(admin.historyTree()))));
        } catch (IOException | RuntimeException e) {
            admin.close();
            throw e;
        }
        return admin;
    }

    private static Set<Integer> peers(ClusterConfig config, int self) {
        return config.replicas().stream().map(ReplicaEntry::id).filter(id -> id != self)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /**
     * Where the admin port listens.
     *
     * @return the address, with the port picked if the config gave 0
     */
    public InetSocketAddress localAddress() {
        return server.localAddress();
    }

    /**
     * The registry behind {@code /metrics}.
     *
     * @return the registry, e.g. to add an application's own meters
     */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private static byte[] resource(String name) {
        try (var in = ReplicaAdmin.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] statusJson() {
        return json(statusTree());
    }

    private byte[] json(Object tree) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code /history} document: the decision rate, one point a second, oldest first. */
    Map<String, Object> historyTree() {
        List<Map<String, Object>> samples = new ArrayList<>();
        for (StatusSampler.HistoryPoint point : sampler.history()) {
            samples.add(Map.of("atMs", point.atMs(), "requestsPerSecond", round(point.requestsPerSecond()),
                    "lastDecided", point.lastDecided()));
        }
        return Map.of("id", replica.id(), "periodMs", StatusSampler.HISTORY_PERIOD_MS, "samples", samples);
    }

    /** The {@code /status} document; docs/OPERATIONS.md lists its fields. */
    Map<String, Object> statusTree() {
        ReplicaStatus s = replica.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("role", role(s));
        out.put("admin", adminUrl(s.id()));
        View view = replica.view();
        View latest = replica.latestView();
        out.put("viewId", view.id());
        out.put("mode", view.mode().name().toLowerCase(java.util.Locale.ROOT));
        out.put("n", view.n());
        out.put("f", view.f());
        out.put("latestViewId", latest.id());
        // As MessageCodec.encodeView gives it, so that `phalanx view` gets members, keys and
        // addresses exactly as the replica holds them.
        out.put("latestView", Base64.getEncoder().encodeToString(MessageCodec.encodeView(latest)));
        out.put("leader", s.leader());
        out.put("regency", s.regency());
        out.put("active", s.active());
        out.put("lastDecided", s.lastDecided());
        out.put("lastExecuted", s.lastExecuted());
        out.put("secondsSinceLastDecision", round(sampler.secondsSinceLastDecision()));
        out.put("decidedRequests", executed.requests());
        out.put("requestsPerSecond", round(sampler.requestsPerSecond()));
        out.put("pendingRequests", s.pendingRequests());
        out.put("leaderChanges", s.counter(Counter.REGENCY_INSTALLED));
        out.put("recovering", s.recovering());
        out.put("behindBy", s.behindBy());
        out.put("transfer", s.transfer() == null ? null : Map.of("checkpointId", s.transfer().checkpointId(),
                "chunksReceived", s.transfer().chunksIn(), "chunks", s.transfer().chunks(),
                "bytesReceived", s.transfer().bytesIn(), "bytes", s.transfer().bytes()));
        out.put("log", s.log() == null ? null : Map.of("mode", s.log().mode(), "bytes", s.log().bytes(),
                "fsyncs", s.log().syncs(), "fsyncMicrosMean", s.log().syncMicrosMean()));
        out.put("lastCheckpoint", s.log() == null ? -1 : s.log().lastCheckpoint());
        out.put("queues", Map.of("inbound", s.queues().inbound(), "execution", s.queues().execution(),
                "log", s.queues().log()));
        List<Map<String, Object>> peers = new ArrayList<>();
        for (int peer : peers(config, s.id())) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", peer);
            entry.put("connected", s.connectedPeers().contains(peer));
            entry.put("admin", adminUrl(peer));
            peers.add(entry);
        }
        out.put("peers", peers);
        List<Map<String, Object>> events = new ArrayList<>();
        for (StatusSampler.Event event : sampler.events()) {
            events.add(Map.of("atMs", event.atMs(), "kind", event.kind(), "text", event.text()));
        }
        out.put("events", events);
        return out;
    }

    /** The base URL of replica {@code id}'s admin port, or null if it has none. */
    private String adminUrl(int id) {
        return config.replica(id).map(ReplicaEntry::admin).map(AdminEndpoint::baseUrl).orElse(null);
    }

    /** {@code leader}, {@code follower}, or what keeps the replica from either. */
    static String role(ReplicaStatus s) {
        if (s.recovering()) {
            return "recovering";
        }
        if (s.transfer() != null) {
            return "transferring";
        }
        if (!s.active()) {
            return "changing-leader";
        }
        if (s.behindBy() > 0) {
            return "catching-up";
        }
        return s.leader() == s.id() ? "leader" : "follower";
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    @Override
    public void close() {
        if (sampling != null) {
            sampling.cancel(false);
        }
        if (server != null) {
            server.close();
        }
        registry.close();
    }
}
