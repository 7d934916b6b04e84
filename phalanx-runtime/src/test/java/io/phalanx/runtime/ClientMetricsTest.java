package io.phalanx.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.phalanx.core.message.Bytes;
import io.phalanx.kv.KvOperation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.phalanx.runtime.AdminPortTest.parse;
import static io.phalanx.runtime.LocalCluster.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A client's meters, scraped in the Prometheus text format from the registry its builder was
 * given, against a real 4-replica cluster: present from the start, a latency count that matches
 * the calls completed, timeouts and retransmissions when replicas stop.
 */
class ClientMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String CLIENT = "1000";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private Client client(LocalCluster cluster, Client.Builder builder) throws Exception {
        return builder.config(cluster.config).id(1000).identity(cluster.clientIdentities.get(1000L))
                .meterRegistry(registry).build();
    }

    /** The value of the client's series {@code name} with {@code labels}, scraped now. */
    private double metric(String name, String... labels) {
        String[] all = new String[labels.length + 2];
        all[0] = "client";
        all[1] = CLIENT;
        System.arraycopy(labels, 0, all, 2, labels.length);
        return AdminPortTest.value(parse(registry.scrape()), name, all);
    }

    @Test
    void everySeriesExistsFromTheStartAndTheLatencyCountIsTheCallsCompleted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false);
             Client client = client(cluster, Client.builder().callTimeout(WAIT))) {
            assertThat(metric("phalanx_client_latency_seconds_count")).isZero();
            for (String reason : List.of("timeout", "overloaded", "session_superseded", "session_unknown", "unsendable")) {
                assertThat(metric("phalanx_client_calls_failed_total", "reason", reason)).isZero();
            }
            for (String reason : List.of("timeout", "replica_down", "replica_up", "refused", "full_result")) {
                assertThat(metric("phalanx_client_retransmissions_total", "reason", reason)).isZero();
            }
            assertThat(metric("phalanx_client_ordered_retries_total")).isZero();
            assertThat(metric("phalanx_client_sessions_begun_total")).isZero();
            assertThat(metric("phalanx_client_frames_undecodable_total")).isZero();
            assertThat(metric("phalanx_client_calls_in_flight")).isZero();
            assertThat(metric("phalanx_client_calls_waiting")).isZero();
            assertThat(parse(registry.scrape()).stream()
                    .filter(s -> s.name().equals("phalanx_client_latency_seconds_bucket")).count())
                    .as("a percentile histogram's buckets").isGreaterThan(20);

            int ordered = 40;
            int reads = 20;
            int concurrent = 40;
            for (int i = 0; i < ordered; i++) {
                client.invoke(op(new KvOperation.Incr("n", 1)));
            }
            for (int i = 0; i < reads; i++) {
                client.invokeUnordered(op(new KvOperation.Get("n")));
            }
            List<CompletableFuture<Bytes>> calls = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                calls.add(client.invokeAsync(op(new KvOperation.Incr("n", 1))));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            int completed = ordered + reads + concurrent;
            assertThat(client.stats().completed()).isEqualTo(completed);
            assertThat(metric("phalanx_client_latency_seconds_count")).isEqualTo(completed);
            assertThat(metric("phalanx_client_latency_seconds_bucket", "le", "+Inf")).isEqualTo(completed);
            assertThat(metric("phalanx_client_latency_seconds_sum")).isPositive();
            assertThat(metric("phalanx_client_calls_failed_total", "reason", "timeout")).isZero();
            assertThat(metric("phalanx_client_calls_in_flight")).isZero();
            LocalCluster.await("every replica connected", WAIT, () -> metric("phalanx_client_replicas_connected") == 4);

            client.close();
            assertThat(registry.find("phalanx.client.latency").meters()).as("removed with the client").isEmpty();
            assertThat(registry.find("phalanx.client.calls.failed").meters()).isEmpty();
        }
    }

    @Test
    void aCallWithoutAQuorumIsRetransmittedOnItsTimerAndTimesOut() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false);
             Client client = client(cluster, Client.builder().callTimeout(Duration.ofMillis(1500))
                     .retransmitTimeoutMs(200).outstandingMax(1).waitingMax(1))) {
            client.invoke(op(new KvOperation.Incr("n", 1)));
            double resentAtStart = metric("phalanx_client_retransmissions_total", "reason", "timeout");
            cluster.replicas[2].close();
            cluster.replicas[3].close(); // replicas 0 and 1 are no quorum

            CompletableFuture<Bytes> first = client.invokeAsync(op(new KvOperation.Incr("n", 1)));
            CompletableFuture<Bytes> second = client.invokeAsync(op(new KvOperation.Incr("n", 1)));
            CompletableFuture<Bytes> third = client.invokeAsync(op(new KvOperation.Incr("n", 1)));
            assertThatThrownBy(third::join).hasCauseInstanceOf(PhalanxOverloadedException.class);
            LocalCluster.await("one call in flight and one waiting", WAIT, () -> metric("phalanx_client_calls_in_flight") == 1
                    && metric("phalanx_client_calls_waiting") == 1);
            for (CompletableFuture<Bytes> call : List.of(first, second)) {
                assertThatThrownBy(() -> call.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PhalanxTimeoutException.class);
            }

            assertThat(metric("phalanx_client_calls_failed_total", "reason", "timeout")).isEqualTo(2);
            assertThat(metric("phalanx_client_calls_failed_total", "reason", "overloaded")).isEqualTo(1);
            assertThat(client.stats().timedOut()).isEqualTo(2);
            assertThat(client.stats().overloaded()).isEqualTo(1);
            // 1.5 s of a 200 ms timer doubling: resent at 200, 600 and 1400 ms
            assertThat(metric("phalanx_client_retransmissions_total", "reason", "timeout") - resentAtStart)
                    .isGreaterThanOrEqualTo(2);
            assertThat(metric("phalanx_client_latency_seconds_count")).isEqualTo(1);
            assertThat(metric("phalanx_client_calls_in_flight")).isZero();
            assertThat(metric("phalanx_client_calls_waiting")).isZero();
            assertThat(metric("phalanx_client_replicas_connected")).isEqualTo(2);
        }
    }

    @Test
    void requestsSentToTheLeaderAloneGoToEveryReplicaWhenItStops() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(4, 1, 1, false);
             Client client = client(cluster, Client.builder().callTimeout(WAIT))) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong completed = new AtomicLong();
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                workers.add(closedLoop(client, running, completed));
            }
            LocalCluster.await("calls decided by the first leader", WAIT, () -> completed.get() >= 100);
            assertThat(metric("phalanx_client_retransmissions_total", "reason", "replica_down")).isZero();

            cluster.replicas[0].close(); // the leader of regency 0, with calls of every worker waiting at it
            long atStop = completed.get();
            LocalCluster.await("calls decided by the next leader", WAIT, () -> completed.get() >= atStop + 100);
            running.set(false);
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(metric("phalanx_client_retransmissions_total", "reason", "replica_down")).isPositive();
            assertThat(metric("phalanx_client_latency_seconds_count")).isEqualTo(completed.get());
            assertThat(client.stats().retransmissions()).isPositive();
            assertThat(client.stats().timedOut()).isZero();
            assertThat(metric("phalanx_client_replicas_connected")).isEqualTo(3);
        }
    }

    /** Increments one after another until {@code running} is false; completes when the last call did. */
    private static CompletableFuture<Void> closedLoop(Client client, AtomicBoolean running, AtomicLong completed) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        next(client, running, completed, done);
        return done;
    }

    private static void next(Client client, AtomicBoolean running, AtomicLong completed, CompletableFuture<Void> done) {
        if (!running.get()) {
            done.complete(null);
            return;
        }
        client.invokeAsync(op(new KvOperation.Incr("n", 1))).whenComplete((result, failure) -> {
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            completed.incrementAndGet();
            next(client, running, completed, done);
        });
    }
}
