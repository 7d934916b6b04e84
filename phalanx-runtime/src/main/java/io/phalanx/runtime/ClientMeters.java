package io.phalanx.runtime;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;

/**
 * A client's meters in the registry its builder was given, each tagged {@code client} with the
 * client's id. All are registered when the client is built, so every series exists from then on
 * with its initial value; the counters and gauges read {@link ClientCounters} when scraped, and
 * the latency timer is recorded as calls complete. Closing the client removes them, so a
 * later client of the same id in the same registry starts its own. docs/OPERATIONS.md
 * ("Client metrics") describes each.
 */
final class ClientMeters {
    /** Lowest latency bucket: a call on loopback takes about a millisecond. */
    private static final Duration LATENCY_MIN = Duration.ofMillis(1);
    private static final String FAILED = "Calls ended without a result, by reason";
    private static final String RETRANSMITTED = "Requests sent again, by reason";

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();

    private ClientMeters(MeterRegistry registry, long clientId) {
        this.registry = registry;
        this.tags = Tags.of("client", Long.toString(clientId));
    }

    /**
     * The timer of completed calls' latencies, with a percentile histogram (Prometheus buckets)
     * from 1 ms to {@code callTimeout}: no completed call takes longer.
     */
    static Timer latencyTimer(MeterRegistry registry, long clientId, Duration callTimeout) {
        return Timer.builder("phalanx.client.latency")
                .description("Time from invoke to result of calls completed with a result")
                .tags("client", Long.toString(clientId)).publishPercentileHistogram()
                .minimumExpectedValue(LATENCY_MIN)
                .maximumExpectedValue(callTimeout.compareTo(LATENCY_MIN) > 0 ? callTimeout : LATENCY_MIN)
                .register(registry);
    }

    /**
     * Registers the meters of a client in {@code registry}.
     *
     * @param latency   the timer from {@link #latencyTimer}, which {@code counters} records into
     * @param open      calls outstanding or waiting now
     * @param connected replicas with an authenticated connection now
     */
    static ClientMeters bind(MeterRegistry registry, long clientId, Timer latency, ClientCounters counters,
                             IntSupplier open, IntSupplier connected) {
        ClientMeters bound = new ClientMeters(registry, clientId);
        bound.meters.add(latency);
        for (ClientCounters.Failure reason : ClientCounters.Failure.values()) {
            bound.counter("phalanx.client.calls.failed", FAILED, counters, c -> c.failures(reason), "reason", reason.tag());
        }
        for (ClientCounters.Resend reason : ClientCounters.Resend.values()) {
            bound.counter("phalanx.client.retransmissions", RETRANSMITTED, counters, c -> c.resends(reason),
                    "reason", reason.tag());
        }
        bound.counter("phalanx.client.ordered.retries", "Read-only calls whose query found no quorum, retried as ordered",
                counters, ClientCounters::orderedRetries);
        bound.counter("phalanx.client.sessions.begun",
                "New sessions begun because a quorum of replicas no longer knew the client's session",
                counters, ClientCounters::sessionsBegun);
        bound.counter("phalanx.client.frames.undecodable", "Frames from replicas that were neither a reply nor a refusal",
                counters, ClientCounters::undecodableFrames);
        bound.gauge("phalanx.client.calls.in.flight", "Calls sent and waiting for a quorum's answer",
                counters::inFlight);
        bound.gauge("phalanx.client.calls.waiting", "Calls waiting for a place among outstandingMax",
                () -> Math.max(0, open.getAsInt() - counters.inFlight()));
        bound.gauge("phalanx.client.replicas.connected", "Replicas with an authenticated connection", connected);
        return bound;
    }

    private void counter(String name, String description, ClientCounters counters, ToLongFunction<ClientCounters> value,
                         String... extraTags) {
        meters.add(FunctionCounter.builder(name, counters, value::applyAsLong).description(description)
                .tags(tags.and(extraTags)).register(registry));
    }

    private void gauge(String name, String description, IntSupplier value) {
        meters.add(Gauge.builder(name, value::getAsInt).description(description).tags(tags).strongReference(true)
                .register(registry));
    }

    /** Removes every meter of the client from the registry. */
    void remove() {
        meters.forEach(registry::remove);
        meters.clear();
    }
}
