package io.phalanx.runtime.admin;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.phalanx.core.replica.Counter;
import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.transport.TransportMetrics;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A replica's meters. Every one is registered at start with its current value and reads the
 * replica's live state when scraped (through a status snapshot at most {@link #STATUS_TTL_MS} ms
 * old, so one scrape builds one snapshot): none is created by its first event, none freezes.
 * docs/OPERATIONS.md ("Metrics") describes each family.
 */
final class ReplicaMeters {
    static final long STATUS_TTL_MS = 50;
    /** Batch-size histogram buckets, in requests (the default {@code batch.requestsMax} is 400). */
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private static final String FRAMES = "Frames received (in) and written (out)";
    private static final String QUEUE = "Work waiting for the protocol's thread (inbound), the execution thread, the log thread";

    private final Supplier<ReplicaStatus> live;
    private volatile ReplicaStatus cached;
    private volatile long cachedAtNanos;

    private ReplicaMeters(Supplier<ReplicaStatus> live) {
        this.live = live;
    }

    /** Registers the meters of the replica behind {@code live} in {@code registry}. */
    static void bind(MeterRegistry registry, int selfId, Iterable<Integer> peers, Supplier<ReplicaStatus> live,
                     ExecutionMeter executed, StatusSampler sampler) {
        ReplicaMeters meters = new ReplicaMeters(live);
        meters.state(registry, selfId, sampler);
        meters.throughput(registry, executed);
        meters.recovery(registry);
        meters.storage(registry);
        meters.network(registry, peers);
        meters.queuesAndRejections(registry);
    }

    private ReplicaStatus status() {
        long now = System.nanoTime();
        ReplicaStatus status = cached;
        if (status == null || now - cachedAtNanos > STATUS_TTL_MS * 1_000_000) {
            status = live.get();
            cached = status;
            cachedAtNanos = now;
        }
        return status;
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<ReplicaStatus> value,
                       String... tags) {
        Gauge.builder(name, this, m -> value.applyAsDouble(m.status())).description(description).tags(tags)
                .strongReference(true).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, ToLongFunction<ReplicaStatus> value,
                         String... tags) {
        FunctionCounter.builder(name, this, m -> value.applyAsLong(m.status())).description(description).tags(tags)
                .register(registry);
    }

    private void coreCounter(MeterRegistry registry, String name, String description, Counter counter) {
        counter(registry, name, description, s -> s.counter(counter));
    }

    private void state(MeterRegistry registry, int selfId, StatusSampler sampler) {
        gauge(registry, "phalanx.leader", "Id of the replica this one follows", ReplicaStatus::leader);
        gauge(registry, "phalanx.is.leader", "1 if this replica leads its regency", s -> s.leader() == selfId ? 1 : 0);
        gauge(registry, "phalanx.regency", "Installed regency (leader-change epoch)", ReplicaStatus::regency);
        gauge(registry, "phalanx.regency.active", "0 while a leader change is running", s -> s.active() ? 1 : 0);
        gauge(registry, "phalanx.last.decided", "Highest consensus id decided (-1 before the first)",
                ReplicaStatus::lastDecided);
        gauge(registry, "phalanx.last.executed", "Highest consensus id executed by the service",
                ReplicaStatus::lastExecuted);
        TimeGauge.builder("phalanx.last.decision.age", sampler, TimeUnit.SECONDS, StatusSampler::secondsSinceLastDecision)
                .description("Seconds since the decided consensus id last moved").strongReference(true)
                .register(registry);
        coreCounter(registry, "phalanx.leader.changes", "Regencies installed (leader changes)", Counter.REGENCY_INSTALLED);
        coreCounter(registry, "phalanx.stops.sent", "STOPs sent (leader changes asked for or joined)", Counter.STOP_SENT);
    }

    private void throughput(MeterRegistry registry, ExecutionMeter executed) {
        coreCounter(registry, "phalanx.decisions", "Consensus instances decided", Counter.DECIDED);
        FunctionCounter.builder("phalanx.requests.decided", executed, ExecutionMeter::requests)
                .description("Requests in decided batches, counted as they execute").register(registry);
        executed.recordBatchesIn(DistributionSummary.builder("phalanx.batch.requests")
                .description("Requests per decided batch").serviceLevelObjectives(BATCH_BUCKETS).register(registry));
        gauge(registry, "phalanx.requests.pending", "Ordered requests waiting to be proposed",
                ReplicaStatus::pendingRequests);
        coreCounter(registry, "phalanx.proposals", "Proposals made as leader", Counter.PROPOSED);
    }

    private void recovery(MeterRegistry registry) {
        gauge(registry, "phalanx.recovering", "1 while the replica may not vote (started without its state)",
                s -> s.recovering() ? 1 : 0);
        gauge(registry, "phalanx.catchup.behind", "Decisions a peer is known to have beyond this replica",
                ReplicaStatus::behindBy);
        coreCounter(registry, "phalanx.catchup.decisions.learned", "Decisions learned from peers' proofs",
                Counter.DECISIONS_LEARNED);
        gauge(registry, "phalanx.state.transfer.active", "1 while a state transfer runs", s -> s.transfer() == null ? 0 : 1);
        gauge(registry, "phalanx.state.transfer.checkpoint", "Checkpoint being transferred (-1: none)",
                s -> s.transfer() == null ? -1 : s.transfer().checkpointId());
        gauge(registry, "phalanx.state.transfer.chunks.done", "Chunks of the running transfer received and checked",
                s -> s.transfer() == null ? 0 : s.transfer().chunksIn());
        gauge(registry, "phalanx.state.transfer.chunks.needed", "Chunks of the running transfer in all",
                s -> s.transfer() == null ? 0 : s.transfer().chunks());
        gauge(registry, "phalanx.state.transfer.bytes.done", "Bytes of the running transfer's image received and checked",
                s -> s.transfer() == null ? 0 : s.transfer().bytesIn());
        gauge(registry, "phalanx.state.transfer.bytes.needed", "Bytes of the running transfer's image in all",
                s -> s.transfer() == null ? 0 : s.transfer().bytes());
        coreCounter(registry, "phalanx.state.transfers.started", "State transfers started", Counter.STATE_TRANSFER_STARTED);
        coreCounter(registry, "phalanx.state.transfer.chunks.received", "Chunks received that matched their digest",
                Counter.CHUNK_RECEIVED);
        coreCounter(registry, "phalanx.state.transfer.chunks.bad", "Chunks that did not match or came unasked",
                Counter.BAD_CHUNK);
        coreCounter(registry, "phalanx.checkpoints.installed", "Checkpoints installed by state transfer",
                Counter.CHECKPOINT_INSTALLED);
    }

    private void storage(MeterRegistry registry) {
        gauge(registry, "phalanx.checkpoint.last", "Consensus id of the newest checkpoint on disk (-1: none)",
                s -> s.log() == null ? -1 : s.log().lastCheckpoint());
        coreCounter(registry, "phalanx.checkpoints.taken", "Checkpoints taken and served", Counter.CHECKPOINT_TAKEN);
        Gauge.builder("phalanx.log.size", this, m -> m.status().log() == null ? 0 : m.status().log().bytes())
                .description("Bytes of log segments on disk").baseUnit("bytes").strongReference(true).register(registry);
        counter(registry, "phalanx.log.fsyncs", "fsyncs of the log", s -> s.log() == null ? 0 : s.log().syncs());
        TimeGauge.builder("phalanx.log.fsync.mean", this, TimeUnit.MICROSECONDS,
                        m -> m.status().log() == null ? 0 : m.status().log().syncMicrosMean())
                .description("Mean time of an fsync since the start").strongReference(true).register(registry);
    }

    private void network(MeterRegistry registry, Iterable<Integer> peers) {
        for (int peer : peers) {
            gauge(registry, "phalanx.peer.connected", "1 while the mesh connection to the peer is up",
                    s -> s.connectedPeers().contains(peer) ? 1 : 0, "peer", Integer.toString(peer));
        }
        transport(registry, "mesh", ReplicaStatus::mesh);
        transport(registry, "client", ReplicaStatus::clientPort);
    }

    private void transport(MeterRegistry registry, String transport, Function<ReplicaStatus, TransportMetrics.Snapshot> of) {
        ToLongFunction<ReplicaStatus> up = s -> of.apply(s) == null ? 0 : of.apply(s).connectionsUp();
        ToLongFunction<ReplicaStatus> down = s -> of.apply(s) == null ? 0 : of.apply(s).connectionsDown();
        gauge(registry, "phalanx.transport.connections", "Authenticated connections open now",
                s -> up.applyAsLong(s) - down.applyAsLong(s), "transport", transport);
        counter(registry, "phalanx.transport.connections.opened", "Authenticated connections established", up,
                "transport", transport);
        counter(registry, "phalanx.transport.handshakes.rejected", "Connections refused before authentication",
                s -> of.apply(s) == null ? 0 : of.apply(s).rejectedHandshakes(), "transport", transport);
        counter(registry, "phalanx.transport.frames", FRAMES, s -> of.apply(s) == null ? 0 : of.apply(s).framesIn(),
                "transport", transport, "direction", "in");
        counter(registry, "phalanx.transport.frames", FRAMES, s -> of.apply(s) == null ? 0 : of.apply(s).framesOut(),
                "transport", transport, "direction", "out");
        counter(registry, "phalanx.transport.frames.dropped", "Frames dropped: full queue, no connection, failed write",
                s -> of.apply(s) == null ? 0 : of.apply(s).framesDropped(), "transport", transport);
        counter(registry, "phalanx.transport.bad.frames", "Connections closed for a malformed, oversized or stalled frame",
                s -> of.apply(s) == null ? 0 : of.apply(s).badFrames() + of.apply(s).incompleteFrames(),
                "transport", transport);
    }

    private void queuesAndRejections(MeterRegistry registry) {
        gauge(registry, "phalanx.queue.depth", QUEUE, s -> s.queues().inbound(),
                "queue", "inbound");
        gauge(registry, "phalanx.queue.depth", QUEUE, s -> s.queues().execution(),
                "queue", "execution");
        gauge(registry, "phalanx.queue.depth", QUEUE, s -> s.queues().log(), "queue", "log");
        rejected(registry, "invalid", s -> s.counter(Counter.INVALID_REQUEST));
        rejected(registry, "pending_full", s -> s.counter(Counter.PENDING_FULL));
        rejected(registry, "session_refused", s -> s.counter(Counter.REQUEST_REFUSED));
        rejected(registry, "wrong_view", s -> s.counter(Counter.REQUEST_WRONG_VIEW));
        rejected(registry, "query_while_recovering", s -> s.counter(Counter.QUERY_WHILE_RECOVERING));
        rejected(registry, "client_id_mismatch", s -> s.driver().clientIdMismatches());
        rejected(registry, "inbound_full", s -> s.driver().inboundDropped());
        rejected(registry, "execution_full", s -> s.driver().executionDropped());
        rejected(registry, "undecodable", s -> s.driver().undecodableFrames());
        rejected(registry, "unexpected", s -> s.driver().unexpectedMessages());
        for (Counter counter : Counter.values()) {
            coreCounter(registry, "phalanx.core.events", "The core's counters (io.phalanx.core.replica.Counter)", counter,
                    counter.name().toLowerCase(Locale.ROOT));
        }
    }

    private void rejected(MeterRegistry registry, String reason, ToLongFunction<ReplicaStatus> value) {
        counter(registry, "phalanx.requests.rejected", "Input refused or dropped before the core or the service",
                value, "reason", reason);
    }

    private void coreCounter(MeterRegistry registry, String name, String description, Counter counter, String tagValue) {
        counter(registry, name, description, s -> s.counter(counter), "counter", tagValue);
    }
}
