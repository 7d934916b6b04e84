package io.phalanx.runtime.admin;

import io.phalanx.runtime.ReplicaStatus;
import io.phalanx.runtime.transport.TransportMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Events derived from consecutive snapshots, their bound, and the one-a-second rate history. */
class StatusSamplerTest {
    private static ReplicaStatus status(int regency, int leader, boolean active, long decided, long checkpoint,
                                        ReplicaStatus.Transfer transfer, boolean recovering, Set<Integer> connected,
                                        long refusedHandshakes) {
        TransportMetrics.Snapshot mesh = new TransportMetrics.Snapshot(0, 0, 0, 0, 0, 0, refusedHandshakes, 0, 0);
        return new ReplicaStatus(1, regency, leader, active, decided, decided, 0, Map.of(),
                new ReplicaStatus.DriverCounters(0, 0, 0, 0, 0, 0), mesh, null, recovering, -1, transfer,
                new ReplicaStatus.Log("sync", 0, 0, 0, checkpoint), connected, new ReplicaStatus.Queues(0, 0, 0));
    }

    @Test
    void eventsComeFromComparingConsecutiveSamples() {
        AtomicReference<ReplicaStatus> now = new AtomicReference<>(status(0, 0, true, 5, -1, null, false, Set.of(0, 2, 3), 0));
        StatusSampler sampler = new StatusSampler(now::get, () -> 0, Set.of(0, 2, 3));
        sampler.sample();
        sampler.sample();
        assertThat(sampler.events()).isEmpty();

        now.set(status(0, 0, false, 5, -1, null, false, Set.of(2, 3), 0));
        sampler.sample();
        now.set(status(1, 1, true, 6, 4, null, false, Set.of(2, 3), 2));
        sampler.sample();
        now.set(status(1, 1, true, 6, 4, new ReplicaStatus.Transfer(8, 0, 3, 0, 3L << 20), true, Set.of(0, 2, 3), 2));
        sampler.sample();
        now.set(status(1, 1, true, 9, 8, null, false, Set.of(0, 2, 3), 2));
        sampler.sample();

        List<String> seen = sampler.events().stream().map(e -> e.kind() + ": " + e.text()).toList();
        assertThat(seen).containsExactly(
                "leader-change: leader change started: leaving regency 0 (leader r0)",
                "connection: connection to r0 lost",
                "leader-change: regency 1 installed, leader r1 (was regency 0, leader r0)",
                "checkpoint: checkpoint 4 stored",
                "connection: mesh: 2 connection(s) refused before authentication (2 so far)",
                "recovery: recovering: not voting until caught up",
                "state-transfer: state transfer of checkpoint 8 started (3 chunks)",
                "connection: connected to r0",
                "recovery: recovered at consensus id 9: voting again",
                "state-transfer: state transfer of checkpoint 8 ended; decided 9",
                "checkpoint: checkpoint 8 stored");
    }

    @Test
    void eventsAreBounded() {
        AtomicLong checkpoint = new AtomicLong();
        StatusSampler sampler = new StatusSampler(
                () -> status(0, 0, true, 0, checkpoint.get(), null, false, Set.of(), 0), () -> 0, Set.of());
        for (int i = 0; i <= StatusSampler.EVENTS_MAX + 10; i++) {
            checkpoint.set(i);
            sampler.sample();
        }
        assertThat(sampler.events()).hasSize(StatusSampler.EVENTS_MAX);
        assertThat(sampler.events().get(StatusSampler.EVENTS_MAX - 1).text())
                .isEqualTo("checkpoint " + (StatusSampler.EVENTS_MAX + 10) + " stored");
    }

    @Test
    void historyHasOneRatePointPerSecond() throws InterruptedException {
        AtomicLong requests = new AtomicLong();
        StatusSampler sampler = new StatusSampler(
                () -> status(0, 0, true, requests.get(), -1, null, false, Set.of(), 0), requests::get, Set.of());
        for (int i = 0; i < 10; i++) { // 2.5 s at the sampler's period
            requests.addAndGet(100);
            sampler.sample();
            Thread.sleep(StatusSampler.PERIOD_MS);
        }
        List<StatusSampler.HistoryPoint> history = sampler.history();
        assertThat(history).hasSizeBetween(1, 4); // more than 2 only when the sleeps overran under load
        // 100 requests every 250 ms: at most 400 per second, less when the sleeps overran.
        assertThat(history.get(0).requestsPerSecond()).isBetween(100.0, 400.0);
        assertThat(history.get(0).lastDecided()).isGreaterThan(0);
    }
}
